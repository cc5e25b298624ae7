import type { Config } from '../config.js';
import type { AttemptStatus, DeliveryChannel, VerificationRecord, VerificationStatus } from '../model.js';

// The operations both stores (Redis, embedded) implement with the same rules. Each one that
// changes a verification is one atomic step (a Lua script; one synchronous call in process).
// Domain types live in model.ts; re-exported here for modules that import them from the store.
export type { Attempt, AttemptStatus, VerificationRecord, VerificationStatus } from '../model.js';
export { ATTEMPT_STATUSES, RETENTION_MS, VERIFICATION_STATUSES } from '../model.js';

/** The limits every store step applies, fixed at start-up from the configuration. */
export interface StoreRules {
  retentionMs: number;
  /** Per-phone sends: cooldown between two, and at most sendLimit per sendWindowMs. */
  cooldownMs: number;
  sendLimit: number;
  sendWindowMs: number;
  /** Wrong guesses per phone per failureWindowMs, across verifications. */
  failureLimit: number;
  failureWindowMs: number;
  maxChecks: number;
  /** Sends (first + resends) per verification. */
  maxSends: number;
  /** Guesses a 4-digit flash-call code gets. */
  flashMaxChecks: number;
  /** Call-back robot lookups per caller number per robotWindowMs. */
  robotLimit: number;
  robotWindowMs: number;
}

export const rulesFromConfig = (c: Config): StoreRules => ({
  retentionMs: 24 * 3600 * 1000,
  cooldownMs: c.RESEND_COOLDOWN_SECONDS * 1000,
  sendLimit: c.PHONE_SEND_LIMIT,
  sendWindowMs: c.PHONE_SEND_WINDOW_SECONDS * 1000,
  failureLimit: c.PHONE_FAILURE_LIMIT,
  failureWindowMs: 24 * 3600 * 1000,
  maxChecks: c.MAX_CHECK_ATTEMPTS,
  maxSends: c.MAX_SENDS,
  flashMaxChecks: c.FLASH_CALL_MAX_CHECK_ATTEMPTS,
  robotLimit: 10,
  robotWindowMs: 60_000,
});

export interface StoredVerification {
  record: VerificationRecord;
  metadata: Record<string, unknown>;
}

/** A read: `expired` says this very step ended it as expired (so its event is due). */
export interface ReadResult extends StoredVerification {
  expired: boolean;
}

export type Refusal =
  | { ok: false; reason: 'resend_too_soon' | 'rate_limited'; retryAfterMs: number }
  | { ok: false; reason: 'max_sends_reached' };

export type NotThere =
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_pending'; status: VerificationStatus; expired: boolean; record: VerificationRecord; metadata: Record<string, unknown> };

/** What the engine asks to create; the store fills counters and the first attempt. */
export interface NewVerification {
  id: string;
  clientId: string;
  to: string;
  channel: DeliveryChannel;
  requestedChannel: VerificationRecord['requestedChannel'];
  provider: string;
  locale: VerificationRecord['locale'];
  codeLength: number;
  baseCodeLength: number;
  ttlMs: number;
  expiresAt: number;
  sender?: string;
  ipTag?: string;
  /** auto: the step it starts at (steps whose channel is off are skipped). */
  step?: number;
  metadata: Record<string, unknown>;
  /** Test numbers: no per-phone limits. */
  unlimited: boolean;
}

export type CreateResult =
  | { ok: true; record: VerificationRecord; superseded?: StoredVerification; expired: StoredVerification[] }
  | Refusal;

export type CheckResult =
  | { ok: true; outcome: 'approved' | 'wrong' | 'match'; record: VerificationRecord; metadata: Record<string, unknown> }
  | { ok: false; reason: 'rate_limited'; retryAfterMs: number }
  /** The guess has another length than the valid code: malformed, not counted. */
  | { ok: false; reason: 'bad_length'; codeLength: number }
  | NotThere;

/** A new attempt on a pending verification: a resend, or the auto workflow's next step. */
export interface SendPlan {
  channel: DeliveryChannel;
  provider: string;
  mode: 'resend' | 'advance';
  /** advance: the step it moves on from (exactly once per step, whoever runs it). */
  fromStep?: number;
  /** advance: the step it moves to (steps whose channel is off are skipped). */
  toStep?: number;
  unlimited: boolean;
}

export type BeginSendResult =
  | { ok: true; record: VerificationRecord; metadata: Record<string, unknown>; attemptIndex: number }
  | { ok: false; reason: 'stale' }
  | Refusal
  | NotThere;

/** What a provider said about an attempt. */
export interface DeliveryUpdate {
  status: AttemptStatus;
  providerRef?: string;
  /** The provider that actually carried it (failover chains). */
  provider?: string;
  /** The code handed over: from now on the valid one, if this is the newest attempt. */
  code?: { hmac: string; length: number; expiresAt: number };
  /** Ends a pending verification as `failed` (a single-channel start that could not send). */
  failVerification?: boolean;
}

export interface DeliveryApplied extends StoredVerification {
  /** The attempt's status changed with this update. */
  changed: boolean;
  /** The code became the valid one. */
  committed: boolean;
  /** This update ended the verification as failed. */
  failed: boolean;
  /** This update found it due and ended it as expired. */
  expired: boolean;
}

export interface IdempotencyEntry {
  bodyHash: string;
  response?: { statusCode: number; body: unknown; headers?: Record<string, string> };
}

export type IdempotencyBegin =
  | { state: 'new' }
  | { state: 'in_progress' }
  | { state: 'conflict' }
  | { state: 'replay'; response: NonNullable<IdempotencyEntry['response']> };

export interface WindowHit {
  allowed: boolean;
  count: number;
  retryAfterMs: number;
}

/** One paid send as the abuse guard counts it (all counters in one atomic step). */
export interface GuardSend {
  /** Hourly service-wide cap; undefined: none. */
  global?: { limit: number };
  ip?: { tag: string; limit: number; windowMs: number };
  /** Pumping statistics of a destination prefix; undefined for safe numbers. */
  pumping?: { prefix: string; minSends: number; minConversion: number; blockMs: number };
}

export type GuardResult =
  | { ok: true }
  | { ok: false; reason: 'global' | 'ip'; retryAfterMs: number }
  | { ok: false; reason: 'blocked'; retryAfterMs: number; started?: { sends: number; approvals: number } };

export interface VerificationStore {
  readonly kind: 'redis' | 'embedded';
  create(v: NewVerification, now: number): Promise<CreateResult>;
  /** Reads a verification, ending it as expired first if it is due. */
  read(id: string, now: number): Promise<ReadResult | undefined>;
  /** The client's pending verification to this number (phone tag), if any. */
  pendingId(clientId: string, tag: string, now: number): Promise<string | undefined>;
  /** The pending verification whose current code is a flash call from this number; counts the lookup. */
  flashCallId(tag: string, now: number): Promise<{ id?: string; limited: boolean }>;
  /** One guess: compares, counts, approves once or ends the verification (lookup: compares only on a match). */
  check(id: string, clientId: string, guess: { hmac: string; length: number }, mode: 'check' | 'lookup', now: number): Promise<CheckResult>;
  beginSend(id: string, clientId: string, plan: SendPlan, now: number): Promise<BeginSendResult>;
  applyDelivery(id: string, attemptIndex: number, update: DeliveryUpdate, now: number): Promise<DeliveryApplied | undefined>;
  cancel(id: string, clientId: string, now: number): Promise<{ ok: true; record: VerificationRecord; metadata: Record<string, unknown> } | NotThere>;
  /** Index a provider's message/call id to its attempt (and watch it when `poll` is given). */
  indexProviderRef(provider: string, ref: string, id: string, attemptIndex: number, poll?: { set: string; at: number }): Promise<void>;
  findByProviderRef(provider: string, ref: string): Promise<{ id: string; attemptIndex: number } | undefined>;
  idempotencyBegin(clientId: string, key: string, bodyHash: string, leaseMs: number): Promise<IdempotencyBegin>;
  idempotencyComplete(clientId: string, key: string, entry: IdempotencyEntry, ttlMs: number): Promise<void>;
  idempotencyAbort(clientId: string, key: string): Promise<void>;
  /** Takes one send from every budget of the plan, or none. */
  guardTake(send: GuardSend, now: number): Promise<GuardResult>;
  /** Gives back what guardTake took at `takenAt`. */
  guardRelease(send: GuardSend, takenAt: number): Promise<void>;
  /** An approval for the pumping statistics of a prefix. */
  guardApproval(prefix: string, blockMs: number, now: number): Promise<void>;
  /** Sliding-window counter (pollers' locks, request throttles): records a hit when under the limit. */
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

/** What a stored Idempotency-Key entry means for a request with this body. */
export function idempotencyState(entry: IdempotencyEntry | undefined, bodyHash: string): IdempotencyBegin {
  // Gone (expired between two reads): the caller waits and asks again.
  if (!entry) return { state: 'in_progress' };
  if (entry.bodyHash !== bodyHash) return { state: 'conflict' };
  if (!entry.response) return { state: 'in_progress' };
  return { state: 'replay', response: entry.response };
}
