// The domain of a verification: channels, locales, statuses and the record the engine works
// on. Configuration, schemas, stores and services all take these from here.

export const CHANNELS = ['sms', 'flash_call', 'voice'] as const;
export type DeliveryChannel = (typeof CHANNELS)[number];
export const REQUEST_CHANNELS = [...CHANNELS, 'auto'] as const;
export type RequestChannel = (typeof REQUEST_CHANNELS)[number];
export const LOCALES = ['ru', 'en', 'pt'] as const;
export type Locale = (typeof LOCALES)[number];

export const VERIFICATION_STATUSES = ['pending', 'approved', 'canceled', 'expired', 'max_attempts_reached', 'failed'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export const ATTEMPT_STATUSES = ['queued', 'sent', 'delivered', 'undelivered', 'failed'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export interface Attempt {
  channel: DeliveryChannel;
  provider: string;
  status: AttemptStatus;
  providerRef?: string;
  at: number;
}

/** A verification as the engine sees it. It never carries code material. Times: epoch ms. */
export interface VerificationRecord {
  id: string;
  clientId: string;
  /** E.164. */
  to: string;
  /** The channel of the code now valid (before the first code is handed over: the first attempt's). */
  channel: DeliveryChannel;
  requestedChannel: RequestChannel;
  status: VerificationStatus;
  locale: Locale;
  /** Digits of the current code (flash calls: 4). */
  codeLength: number;
  /** Digits asked for by the start request, for codes on other channels than flash calls. */
  baseCodeLength: number;
  /** Life of a code sent on a channel other than flash call. */
  ttlMs: number;
  createdAt: number;
  expiresAt: number;
  /** Wrong guesses allowed in total while the current code is valid. */
  maxChecks: number;
  /** Wrong guesses made. */
  checks: number;
  /** Sends made (one per attempt). */
  sends: number;
  maxSends: number;
  /** Index of the auto workflow step now running. */
  step: number;
  /** Index of the attempt whose code is valid; -1 before a provider took the first one. */
  current: number;
  attempts: Attempt[];
  sender?: string;
  /** Keyed tag of the start's end-user IP (auto workflows: later steps count against it). */
  ipTag?: string;
  testNumber?: boolean;
}

/** How long an ended verification stays readable (status only). */
export const RETENTION_MS = 24 * 3600 * 1000;
/** The provider name of test numbers' attempts (no provider is called). */
export const TEST_PROVIDER = 'test';
