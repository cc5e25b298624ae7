import type { DeliveryChannel, Locale } from '../config.js';

// The one small interface every channel adapter implements. The core never knows which
// provider is behind a channel; adapters never touch the store.

export interface DeliveryRequest {
  verificationId: string;
  /** Stable per attempt: providers with an idempotency field (uCaller `unique`) get it. */
  attemptId: string;
  /** E.164, e.g. +79161234567; each adapter formats it for its provider. */
  to: string;
  /** The code to deliver; undefined when the provider picks the code itself. */
  code?: string;
  locale: Locale;
  /** SMS originator asked for by the request. */
  sender?: string;
  /** The end user's IP when the start gave one (SMS.ru's anti-fraud field `ip`). */
  clientIp?: string;
}

export interface DeliveryResult {
  /** The provider's id for this message or call, always a string (ids exceed 2^53). */
  providerRef: string;
  status: 'queued' | 'sent';
  /** The code the user will see, when it is not the one sent (provider-chosen or changed). */
  code?: string;
  /** The provider that carried it, when a failover chain chose among several. */
  provider?: string;
}

/** A delivery status read back from the provider (status polling). */
export interface PolledStatus {
  ref: string;
  status?: 'sent' | 'delivered' | 'undelivered';
  /** The provider no longer knows the message (past its status horizon). */
  gone?: boolean;
}

export interface ChannelProvider {
  readonly channel: DeliveryChannel;
  /** Provider name shown in attempts: smstraffic, ucaller, twilio, console. */
  readonly name: string;
  /** True when the provider picks the code and returns it (SMS.ru, Zvonok and the like). */
  readonly choosesCode?: boolean;
  /** Code length the provider requires (uCaller: 4), overriding the requested one. */
  readonly codeLength?: number;
  /** The provider refuses an all-zero code (uCaller: `0000`): codes start at 0…01. */
  readonly forbidsZeroCode?: boolean;
  /**
   * The provider has no delivery push (uCaller's getInfo): poll from the first round instead
   * of waiting STATUS_POLL_AFTER_SECONDS for a report that never comes.
   */
  readonly pollsWithoutPush?: boolean;
  /**
   * Delivers the code. Throws a ProviderFailure (provider-errors.ts): `provider_error`
   * (refused; 502), `provider_unavailable` (unreachable or no answer in time; 503),
   * `rate_limited` (the provider's own per-number limit; 429) or `invalid_phone_number`
   * (the provider says the number cannot receive it), with whether another provider may try.
   */
  send(req: DeliveryRequest): Promise<DeliveryResult>;
  /** An ordered provider list (failover): the providers it may hand a message to. */
  readonly members?: readonly ChannelProvider[];
  /** Providers whose delivery status can be asked for (a fallback for missed reports). */
  pollStatus?(refs: string[]): Promise<PolledStatus[]>;
  close?(): Promise<void>;
}

export type Providers = Partial<Record<DeliveryChannel, ChannelProvider>>;
