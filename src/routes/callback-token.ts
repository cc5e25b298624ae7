import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { secretDigest } from '../codes.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

// Provider callbacks carry no API key: the secret CALLBACK_TOKEN path segment authenticates
// them, so a wrong token is a plain 404 (docs/callbacks.md).

export const tokenParams = z.object({ token: z.string().max(256) });

/** The onRequest hook of every callback route: 404 unless the path carries CALLBACK_TOKEN. */
export function callbackTokenCheck(config: Pick<Config, 'CALLBACK_TOKEN'>) {
  const expected = secretDigest(config.CALLBACK_TOKEN);
  return async (req: { params: unknown }) => {
    const { token } = req.params as { token: string };
    if (!timingSafeEqual(secretDigest(token), expected)) throw new AppError('not_found', 'No such route');
  };
}

/**
 * A provider's status value fit for a log line: a known value as it is, anything else cut
 * short with digits and unprintables masked (a report is untrusted input; it may carry a
 * phone number, a code or a flood of bytes).
 */
export function loggableStatus(status: string | undefined, known: readonly string[]): string | undefined {
  if (status === undefined) return undefined;
  if (known.includes(status)) return status;
  return `unknown:${status.slice(0, 24).replace(/\d/g, '#').replace(/[^\x20-\x7e]/g, '?')}`;
}

/** A Twilio call SID as it is (CA + 32 hex), anything else in loggableStatus's masked form. */
export function loggableCallSid(sid: string | undefined): string | undefined {
  return sid && /^CA[0-9a-f]{32}$/.test(sid) ? sid : loggableStatus(sid, []);
}
