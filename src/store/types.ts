import type { DeliveryChannel, RequestChannel, Locale } from '../config.js';

// What the store keeps of a verification, and the operations both stores (Redis and the
// embedded one) implement with the same behaviour. Times are epoch milliseconds.

export const VERIFICATION_STATUSES = [
  'pending',
  'approved',
  'canceled',
  'expired',
  'max_attempts_reached',
  'failed',
] as const;
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

export interface VerificationRecord {
  id: string;
  clientId: string;
  to: string;
  /** The channel of the latest attempt (for auto: the current step). */
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
  maxChecks: number;
  /** Guesses reserved (check_begin), compared or not. */
  checks: number;
  /** Guesses reserved but not yet settled. */
  inflight?: number;
  sends: number;
  maxSends: number;
  /** HMAC of the current code; absent once the verification has ended. */
  codeHmac?: string;
  /** Generation of the current code: bumps with every new code. */
  gen: number;
  /** Index of the auto workflow step now running. */
  step: number;
  attempts: Attempt[];
  sender?: string;
  endedAt?: number;
  testNumber?: boolean;
}

export interface StoredVerification {
  record: VerificationRecord;
  metadata: Record<string, unknown>;
}

/** Per-phone send limits, checked and recorded atomically with the send. */
export interface SendLimits {
  cooldownMs: number;
  /** 0: no limits (test numbers). */
  limit: number;
  windowMs: number;
}

export interface FailureLimit {
  /** 0: no limit. */
  limit: number;
  windowMs: number;
}

export type Refusal =
  | { ok: false; reason: 'resend_too_soon' | 'rate_limited'; retryAfterMs: number }
  | { ok: false; reason: 'max_sends_reached' };

export type StoreResult<T> = { ok: true; value: T } | Refusal;

export type CheckBegin =
  | { kind: 'not_found' }
  | { kind: 'not_pending'; status: VerificationStatus }
  | { kind: 'rate_limited'; retryAfterMs: number }
  /** Every allowed guess is used or in flight. */
  | { kind: 'exhausted'; record: VerificationRecord }
  | { kind: 'ok'; record: VerificationRecord };

export type CheckSettle =
  | { kind: 'approved'; record: VerificationRecord }
  | { kind: 'wrong'; record: VerificationRecord }
  | { kind: 'not_pending'; record: VerificationRecord }
  | { kind: 'not_found' };

export interface NewCode {
  channel: DeliveryChannel;
  provider: string;
  /** '' when the provider will pick the code (set later by recordDelivery). */
  codeHmac: string;
  codeLength: number;
  expiresAt: number;
}

export interface DeliveryUpdate {
  status: AttemptStatus;
  providerRef?: string;
  /** HMAC of a provider-chosen code; applies only while `gen` is still current. */
  codeHmac?: string;
  gen?: number;
  /** Ends a pending verification as `failed` (a single-channel start that could not send). */
  failVerification?: boolean;
}

export interface IdempotencyEntry {
  bodyHash: string;
  response?: { statusCode: number; body: unknown };
}

export type IdempotencyBegin =
  | { state: 'new' }
  | { state: 'in_progress' }
  | { state: 'conflict' }
  | { state: 'replay'; response: { statusCode: number; body: unknown } };

export interface WindowHit {
  allowed: boolean;
  count: number;
  retryAfterMs: number;
}

export interface VerificationStore {
  readonly kind: 'redis' | 'embedded';
  create(
    record: VerificationRecord,
    metadata: Record<string, unknown>,
    limits: SendLimits,
    failures: FailureLimit,
    now: number,
  ): Promise<StoreResult<{ record: VerificationRecord; supersededId?: string }>>;
  get(id: string): Promise<StoredVerification | undefined>;
  /** The client's pending verification to this number, if any. */
  pendingId(clientId: string, e164: string): Promise<string | undefined>;
  /** The latest verification of this number whose current step is a flash call. */
  flashCallId(e164: string): Promise<string | undefined>;
  checkBegin(id: string, clientId: string, failures: FailureLimit, now: number): Promise<CheckBegin>;
  checkSettle(id: string, clientId: string, gen: number, match: boolean, failures: FailureLimit, now: number): Promise<CheckSettle>;
  /** A new code on the same verification: a resend (client-driven) or the next auto step. */
  newCode(
    id: string,
    clientId: string,
    code: NewCode,
    how: { mode: 'resend'; limits: SendLimits } | { mode: 'advance'; expectedStep: number },
    now: number,
  ): Promise<StoreResult<VerificationRecord> | { ok: false; reason: 'not_found' | 'stale' } | { ok: false; reason: 'not_pending'; status: VerificationStatus }>;
  recordDelivery(id: string, clientId: string, attemptIndex: number, update: DeliveryUpdate, now: number): Promise<VerificationRecord | undefined>;
  cancel(id: string, clientId: string, now: number): Promise<{ ok: true; value: VerificationRecord } | { ok: false; reason: 'not_found' } | { ok: false; reason: 'not_pending'; status: VerificationStatus }>;
  /** Index a provider's message/call id to its attempt, for delivery reports. */
  indexProviderRef(provider: string, ref: string, id: string, attemptIndex: number): Promise<void>;
  findByProviderRef(provider: string, ref: string): Promise<{ id: string; attemptIndex: number } | undefined>;
  idempotencyBegin(clientId: string, key: string, bodyHash: string, ttlMs: number): Promise<IdempotencyBegin>;
  idempotencyComplete(clientId: string, key: string, entry: IdempotencyEntry, ttlMs: number): Promise<void>;
  idempotencyAbort(clientId: string, key: string): Promise<void>;
  /** Sliding-window counter: records a hit when under the limit. */
  hit(name: string, limit: number, windowMs: number, member: string, now: number): Promise<WindowHit>;
  unhit(name: string, member: string): Promise<void>;
  /** Reads a sliding-window counter, recording nothing. */
  peek(name: string, windowMs: number, now: number): Promise<Pick<WindowHit, 'count' | 'retryAfterMs'>>;
  /** A set of members ordered by time (attempts awaiting a final delivery status). */
  trackAdd(name: string, member: string, at: number): Promise<void>;
  /** Members tracked at or before `until`, oldest first. */
  trackDue(name: string, until: number, limit: number): Promise<{ member: string; at: number }[]>;
  trackRemove(name: string, members: string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How long an ended verification stays readable (status only). */
export const RETENTION_MS = 24 * 3600 * 1000;

/** What a stored Idempotency-Key entry means for a request with this body. */
export function idempotencyState(entry: IdempotencyEntry | undefined, bodyHash: string): IdempotencyBegin {
  // Gone (expired between two reads): the caller waits and asks again.
  if (!entry) return { state: 'in_progress' };
  if (entry.bodyHash !== bodyHash) return { state: 'conflict' };
  if (!entry.response) return { state: 'in_progress' };
  return { state: 'replay', response: entry.response };
}
