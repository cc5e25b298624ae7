import { AppError, ERROR_CODES, type ErrorCode } from '../errors.js';
import { headerRefs } from './headers.js';
import type { OperationNotes } from './notes.js';

// Problem responses of one operation: one response per status, application/problem+json, the
// Problem component narrowed to the codes possible there, and an example per code.

/** When each code happens, in a few words (docs/errors.md has the full table). */
const WHEN: Partial<Record<ErrorCode, string>> = {
  invalid_request: 'the request is malformed (bad JSON, unknown or missing field, value out of range)',
  invalid_phone_number: 'the number is not a valid mobile number, or the provider refused the number itself (not retried on another)',
  invalid_code_format: 'the code is not 4–10 digits or not the length of the code sent; no check is used up',
  unauthorized: 'missing or unknown API key',
  country_not_allowed: "the number's country is not in ALLOWED_COUNTRIES",
  destination_blocked: "the pumping guard blocks the number's prefix",
  verification_not_found: "unknown id, past its 24-hour retention, or another client's",
  not_found: 'no such route (or a wrong callback token)',
  webhook_event_not_found: "not one of the client's failed webhook events (kept 7 days)",
  verification_not_pending: 'the verification has ended; verificationStatus says how',
  channel_not_available: 'the channel has no provider',
  idempotency_key_reused: 'the Idempotency-Key was used with another body',
  resend_too_soon: 'inside RESEND_COOLDOWN_SECONDS of the last send to this number',
  rate_limited: 'a send, check or request limit; Retry-After says when to retry',
  max_sends_reached: 'the verification has used MAX_SENDS sends',
  internal_error: 'a bug; the log has the details',
  provider_error: 'the provider refused the message; the verification is failed',
  store_unavailable: 'Redis does not answer; safe to retry',
  provider_unavailable: 'the provider cannot be reached or did not answer in time; the verification is failed',
};

/** Details used in examples, so an example reads like a real answer. */
const EXAMPLE_DETAIL: Partial<Record<ErrorCode, [string, Record<string, unknown>?, number?]>> = {
  invalid_request: ['clientIp: must be an IPv4 or IPv6 address'],
  invalid_phone_number: ['The phone number is not valid'],
  invalid_code_format: ['The code must be 6 digits'],
  verification_not_pending: ['The verification is approved', { verificationStatus: 'approved' }],
  resend_too_soon: ['Wait 21 s before sending another code to this number', {}, 21],
  rate_limited: ['Too many codes sent to this phone number', {}, 540],
};

export function problemExample(code: ErrorCode, status?: number) {
  const [detail, extra] = EXAMPLE_DETAIL[code] ?? [];
  const p = new AppError(code, detail, extra).toProblem();
  return status ? { ...p, status } : p;
}

/** `hasBody`: the operation takes a request body (an operation without one may still be sent one). */
export function problemResponses(n: OperationNotes, hasBody = true): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  const add = (status: number, code: ErrorCode) => byStatus.set(status, [...new Set([...(byStatus.get(status) ?? []), code])]);
  for (const code of n.problems ?? []) add(ERROR_CODES[code].status, code);
  if (n.problems?.length) add(500, 'internal_error');
  if (n.bodyChecks) {
    add(413, 'invalid_request');
    add(415, 'invalid_request');
  }
  const out: Record<string, unknown> = {};
  for (const status of [...byStatus.keys()].sort()) {
    const codes = byStatus.get(status)!;
    const types = (n.requestMediaTypes ?? ['application/json']).join(' or ');
    const unread = hasBody ? `the body is not ${types}` : 'a body was sent in a media type the service does not read (send none)';
    const special = status === 413 ? 'the body is over 64 KiB' : status === 415 ? unread : undefined;
    const retry = status === 429 || codes.includes('destination_blocked');
    out[String(status)] = {
      description: special ?? codes.map((c) => `\`${c}\`: ${WHEN[c] ?? ERROR_CODES[c].title}`).join('; '),
      headers: headerRefs(['X-Request-Id', ...(retry ? ['Retry-After'] : [])]),
      content: {
        'application/problem+json': {
          schema: {
            allOf: [{ $ref: '#/components/schemas/Problem' }],
            properties: { code: { type: 'string', enum: codes } },
            required: ['code'],
          },
          examples: Object.fromEntries(
            codes.map((c) => [c, { summary: ERROR_CODES[c].title, value: problemExample(c, special ? status : undefined) }]),
          ),
        },
      },
    };
  }
  return out;
}
