import { isoTime } from '../iso-time.js';
import type { VerificationRecord } from '../store/types.js';

// The verification resource of docs/api.md, as the API shows a stored record: no
// code material, times as ISO strings, counters as what remains.

export function toResource(
  rec: VerificationRecord,
  metadata: Record<string, unknown>,
  opts: { now: number; resendCooldownMs: number },
) {
  const lastAt = rec.attempts.reduce((m, a) => Math.max(m, a.at), rec.createdAt);
  // A pending verification past its expiry is stored as such until the next write: it
  // reads as expired at once.
  const status = rec.status === 'pending' && opts.now >= rec.expiresAt ? 'expired' : rec.status;
  return {
    id: rec.id,
    to: rec.to,
    channel: rec.channel,
    status,
    locale: rec.locale,
    codeLength: rec.codeLength,
    createdAt: isoTime(rec.createdAt),
    expiresAt: isoTime(rec.expiresAt),
    checksRemaining: Math.max(rec.maxChecks - rec.checks, 0),
    sendsRemaining: Math.max(rec.maxSends - rec.sends, 0),
    resendAvailableAt: isoTime(lastAt + opts.resendCooldownMs),
    attempts: rec.attempts.map((a) => ({
      channel: a.channel,
      provider: a.provider,
      status: a.status,
      ...(a.providerRef !== undefined ? { providerRef: String(a.providerRef) } : {}),
      at: isoTime(a.at),
    })),
    metadata,
  };
}

export type VerificationResource = ReturnType<typeof toResource>;
