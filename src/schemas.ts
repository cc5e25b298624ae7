import { z } from 'zod';
import { isIpAddress } from './config.js';
import { METADATA_LIMITS, metadataProblem } from './metadata.js';
import { ERROR_CODE_LIST } from './errors.js';
import { ATTEMPT_STATUSES, CHANNELS, LOCALES, REQUEST_CHANNELS, VERIFICATION_STATUSES } from './model.js';

// Request and response shapes of the HTTP API (docs/api.md), used for validation,
// serialization and the OpenAPI document alike. `.meta({ id })` names a schema as an OpenAPI
// component; examples are what src/openapi/examples.ts sends in tests, so they stay working.

const dateTime = (description: string) =>
  z.string().meta({ format: 'date-time', description, example: '2026-11-22T10:00:00.000Z' });
/** Every counter of the API is bounded by a setting's own bound (1–100). */
const count = (description: string) => z.number().int().min(0).max(100).describe(description);

export const startBody = z
  .object({
    to: z
      .string()
      .max(64)
      .meta({ description: 'E.164 (+79161234567) or a national number of DEFAULT_COUNTRY', example: '+79161234567' }),
    channel: z.enum(REQUEST_CHANNELS).optional().describe('Defaults to DEFAULT_CHANNEL'),
    locale: z.enum(LOCALES).optional().describe('Defaults to DEFAULT_LOCALE'),
    codeLength: z.number().int().min(4).max(10).optional().describe('Flash-call codes always have 4 digits'),
    ttlSeconds: z.number().int().min(30).max(3600).optional(),
    sender: z
      .string()
      .regex(/^[A-Za-z0-9 ._-]{1,11}$|^\d{1,15}$/, 'an SMS originator: up to 11 latin letters/digits, or up to 15 digits')
      .optional()
      .describe('SMS originator (sender name)'),
    metadata: z
      .record(z.string(), z.unknown())
      .superRefine((m, ctx) => {
        const problem = metadataProblem(m);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        `Kept with the verification and returned as is. At most ${METADATA_LIMITS.bytes} bytes as JSON, ${METADATA_LIMITS.depth} levels deep, ${METADATA_LIMITS.entries} keys and array items in all, strings of ${METADATA_LIMITS.stringLength} characters`,
      ),
    clientIp: z
      .string()
      .max(64)
      .refine(isIpAddress, 'must be an IPv4 or IPv6 address')
      .optional()
      .meta({ description: "The end user's IP address, for per-user limits (IPv6 counted by /64); never stored", example: '203.0.113.7' }),
  })
  .strict()
  .meta({ id: 'StartRequest', description: 'Start a verification' });

export const checkBody = z
  .object({
    // Any id is looked up (an id never issued is a 404, whatever its shape).
    id: z.string().optional().describe('The verification id; give either id or to'),
    to: z.string().max(64).optional().describe("The phone number (its client's pending verification); give either id or to"),
    code: z.string().max(64).meta({ description: 'The code the person typed: 4–10 digits', example: '123456' }),
  })
  .strict()
  .refine((b) => !!b.id !== !!b.to, { message: 'give either id or to', path: ['id'] })
  .meta({ id: 'CheckRequest', description: 'Check a code: the code and either id or to' });

export const resendBody = z
  .object({ channel: z.enum(CHANNELS).optional().describe('Defaults to the current channel') })
  .strict()
  .meta({ id: 'ResendRequest' })
  .nullish();

export const idParams = z.object({ id: z.string().meta({ description: 'A verification id', example: 'vf_3hT9xK2mQ8pL4nR7sW1vY6zA' }) });

export const attempt = z
  .object({
    channel: z.enum(CHANNELS),
    provider: z.string().describe('smstraffic, ucaller, twilio, console, test, …'),
    status: z.enum(ATTEMPT_STATUSES),
    providerRef: z.string().optional().describe("The provider's id of the message or call"),
    at: dateTime('When the send was made'),
  })
  .meta({ id: 'Attempt', description: 'One send of a code' });

export const verification = z
  .object({
    id: z.string(),
    to: z.string().describe('E.164'),
    channel: z.enum(CHANNELS).describe('The channel of the code now valid'),
    status: z.enum(VERIFICATION_STATUSES).describe('Only pending accepts checks'),
    locale: z.enum(LOCALES),
    codeLength: z.number().int().min(4).max(10).describe('Digits of the code now valid'),
    createdAt: dateTime('When the verification was started'),
    expiresAt: dateTime('When the code now valid expires'),
    checksRemaining: count('Wrong codes still allowed'),
    sendsRemaining: count('Sends (resends or auto steps) still allowed'),
    resendAvailableAt: dateTime('The earliest time a resend is accepted (the cooldown)'),
    attempts: z.array(attempt).describe('One per send, oldest first'),
    metadata: z.record(z.string(), z.unknown()).describe("The start's metadata, as given"),
  })
  .meta({ id: 'Verification', description: 'A verification, as a backend sees it: never any code material' });

export const checkResult = z
  .object({
    id: z.string(),
    status: z.enum(VERIFICATION_STATUSES),
    valid: z.boolean().describe('true: the code was right and the verification is approved'),
    checksRemaining: count('Wrong codes still allowed'),
  })
  .meta({ id: 'CheckResult', description: 'The outcome of a check whose code was compared' });

export const problem = z
  .object({
    type: z.string().describe('A URI naming the problem'),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().describe('Human-readable; may change: branch on code'),
    code: z.enum(ERROR_CODE_LIST).describe('Stable: see docs/errors.md'),
    verificationStatus: z.enum(VERIFICATION_STATUSES).optional().describe('With verification_not_pending: how it ended'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe('A repeat with the same key and body returns the first answer (Idempotent-Replayed: true) and sends nothing'),
});
