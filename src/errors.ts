// One error class with the contract's stable codes (docs/errors.md).
// Everything thrown on purpose is an AppError; the error handler turns it into problem+json.

export const ERROR_CODES = {
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_phone_number: { status: 400, title: 'Invalid phone number' },
  invalid_code_format: { status: 400, title: 'Invalid code format' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  country_not_allowed: { status: 403, title: 'Country not allowed' },
  destination_blocked: { status: 403, title: 'Destination blocked' },
  invalid_signature: { status: 403, title: 'Invalid signature' },
  verification_not_found: { status: 404, title: 'Verification not found' },
  not_found: { status: 404, title: 'Not found' },
  webhook_event_not_found: { status: 404, title: 'Webhook event not found' },
  verification_not_pending: { status: 409, title: 'Verification not pending' },
  channel_not_available: { status: 422, title: 'Channel not available' },
  idempotency_key_reused: { status: 422, title: 'Idempotency key reused' },
  resend_too_soon: { status: 429, title: 'Resend too soon' },
  rate_limited: { status: 429, title: 'Rate limited' },
  max_sends_reached: { status: 429, title: 'Maximum sends reached' },
  internal_error: { status: 500, title: 'Internal error' },
  provider_error: { status: 502, title: 'Provider error' },
  store_unavailable: { status: 503, title: 'Store unavailable' },
  provider_unavailable: { status: 503, title: 'Provider unavailable' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

export class AppError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    /** Extra members of the problem document, e.g. verificationStatus. */
    readonly extra: Record<string, unknown> = {},
    /** Seconds to put in Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(detail ?? ERROR_CODES[code].title);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
    this.title = ERROR_CODES[code].title;
  }

  toProblem(instance?: string) {
    return {
      type: `https://otpgate.dev/problems/${this.code.replace(/_/g, '-')}`,
      title: this.title,
      status: this.status,
      detail: this.detail ?? this.title,
      code: this.code,
      ...(instance ? { instance } : {}),
      ...this.extra,
    };
  }
}
