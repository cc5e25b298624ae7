import { type ProviderFailure, providerFailure } from './provider-errors.js';

// uCaller's error replies (providers.md R.1): `{status:false, error:"<Russian text>", code:N}`,
// `code` a number or a numeric string. We decide on the code only; the text is for the log.

/** Account or settings problems an operator must fix: logged at error level. */
const OPERATOR_CODES = new Set([0, 4, 401, 1001, 1002, 1003, 1004, 1005]);

/** Per-number and request-rate limits, with the wait the provider states or implies. */
const RATE_LIMITS: Record<number, number> = {
  18: 60, // 4 calls per minute (or 30 per day) to one number
  19: 15, // "wait 15 s before calling this number again"
  50: 3600, // the service's hourly limit
  429: 1, // too many requests per second
};

export interface UcallerErrorClass {
  failure: ProviderFailure;
  /** The operator must act (no funds, unverified number, bad key…). */
  operator: boolean;
}

/** "18", 18 or " 18 " → 18; anything else → undefined (an unknown error). */
export function ucallerErrorCode(v: unknown): number | undefined {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  return /^\d{1,6}$/.test(s) ? Number(s) : undefined;
}

export function classifyUcallerError(code: number | undefined, retryAfterHeader?: number): UcallerErrorClass {
  if (code === 3) return { failure: providerFailure('invalid_phone_number'), operator: false };
  if (code !== undefined && code in RATE_LIMITS) {
    return { failure: providerFailure('rate_limited', { retryAfter: retryAfterHeader ?? RATE_LIMITS[code] }), operator: false };
  }
  // 20: voice calls are not available for this country.
  if (code === 20) return { failure: providerFailure('channel_not_available'), operator: false };
  return { failure: providerFailure('provider_error'), operator: code !== undefined && OPERATOR_CODES.has(code) };
}
