import { type ProviderFailure, providerFailure } from './provider-errors.js';

// SMS.ru's status codes (providers.md R.4): 100 is "OK"; anything else on a send is a
// refusal; delivery statuses 100–110 and 150 on /sms/status and the callback.

/** Account or settings problems an operator must fix: logged at error level. */
const OPERATOR = new Set([200, 201, 204, 206, 221, 300, 301, 302, 901, 902]);
/** Our own mistakes (a bug in the request): logged at error level too. */
const BUGS = new Set([203, 205, 208, 210, 211, 212, 213]);
/** Per-number limits and the wait they imply (the daily ones imply none we can state). */
const RATE_LIMITS: Record<number, number | undefined> = { 230: undefined, 231: 60, 232: undefined, 233: 60 };

export interface SmsRuErrorClass {
  failure: ProviderFailure;
  /** The operator (or a developer) must act. */
  operator: boolean;
}

export function smsRuCode(v: unknown): number | undefined {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  return /^-?\d{1,6}$/.test(s) ? Number(s) : undefined;
}

/** A refusal by its status_code; the status_text is for the log only. */
export function classifySmsRuError(code: number | undefined): SmsRuErrorClass {
  // 202: the number is wrong (or unroutable): about the number itself, answered at once.
  if (code === 202) return { failure: providerFailure('invalid_phone_number'), operator: false };
  if (code !== undefined && code in RATE_LIMITS) {
    return { failure: providerFailure('rate_limited', { retryAfter: RATE_LIMITS[code] }), operator: false };
  }
  // 207/214 no route or abroad, 209/215 stop lists, 220/500 temporary: SMS.ru's own reasons,
  // nothing was queued, so another provider may try.
  return { failure: providerFailure('provider_error'), operator: code !== undefined && (OPERATOR.has(code) || BUGS.has(code)) };
}

/** A delivery status code (/sms/status, callback) as an attempt status; undefined: no news. */
export function smsRuDeliveryStatus(code: number | undefined): 'sent' | 'delivered' | 'undelivered' | undefined {
  switch (code) {
    case 101:
    case 102:
      return 'sent';
    case 103:
    case 110: // read: the best outcome
      return 'delivered';
    case 104:
    case 105:
    case 106:
    case 107:
    case 108:
    case 150:
      return 'undelivered';
    default:
      return undefined; // 100 queued, -1 not found, anything new
  }
}

/** Every delivery status code SMS.ru documents, for logs (anything else is masked). */
export const SMSRU_STATUS_CODES = ['-1', '100', '101', '102', '103', '104', '105', '106', '107', '108', '110', '150'];
