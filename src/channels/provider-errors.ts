import { AppError, type ErrorCode } from '../errors.js';

// What a provider's refusal looks like to the caller: one fixed `detail` per contract code.
// Provider texts (which may quote the number, the code or account details) go to the log
// only, through redactProviderText; they never reach a problem document.

export const PROVIDER_DETAILS = {
  provider_error: 'The delivery provider refused the message.',
  provider_unavailable: 'The delivery provider could not be reached or did not answer in time.',
  invalid_phone_number: 'The delivery provider cannot deliver to this phone number.',
  rate_limited: 'The delivery provider limits deliveries to this phone number; try again later.',
  channel_not_available: 'The delivery provider cannot deliver this code on this channel.',
} as const satisfies Partial<Record<ErrorCode, string>>;

export type ProviderErrorCode = keyof typeof PROVIDER_DETAILS;

/** A provider's refusal, with whether another provider of the channel may be tried. */
export class ProviderFailure extends AppError {
  declare readonly code: ProviderErrorCode;

  constructor(
    code: ProviderErrorCode,
    /** True when nothing can have been queued and the reason is the provider's own. */
    readonly tryNext: boolean,
    retryAfter?: number,
  ) {
    super(code, PROVIDER_DETAILS[code], {}, retryAfter);
    this.name = 'ProviderFailure';
  }
}

/**
 * `beforeSend`: an unavailable provider that never received the request (connection failed),
 * so another provider may take the message. After sending it may have been queued: never again.
 * A refusal about the number itself is answered at once, never tried elsewhere.
 */
export function providerFailure(
  code: ProviderErrorCode,
  opts: { beforeSend?: boolean; retryAfter?: number } = {},
): ProviderFailure {
  const tryNext = code === 'provider_unavailable' ? opts.beforeSend === true : code !== 'invalid_phone_number';
  return new ProviderFailure(code, tryNext, opts.retryAfter);
}

/** Any error out of an adapter as the caller may see it: a contract code and a fixed detail. */
export function publicProviderError(err: unknown): ProviderFailure {
  if (err instanceof ProviderFailure) return err;
  if (err instanceof AppError && err.code in PROVIDER_DETAILS) {
    return providerFailure(err.code as ProviderErrorCode, { retryAfter: err.retryAfter });
  }
  return providerFailure('provider_error');
}
