import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { ChannelProvider, Providers } from '../channels/types.js';
import { codeHmac, generateCode, hmacEquals, newVerificationId, phoneTag } from '../codes.js';
import type { Config, DeliveryChannel, Locale, RequestChannel } from '../config.js';
import { AppError } from '../errors.js';
import { maskPhone, parsePhone, type Phone } from '../phone.js';
import type {
  AttemptStatus,
  FailureLimit,
  Refusal,
  SendLimits,
  VerificationRecord,
  VerificationStore,
} from '../store/types.js';
import type { Metrics } from './metrics.js';
import { toResource } from './resource.js';
import type { WorkflowScheduler } from './workflow-scheduler.js';

// The verification use cases: start, check, read, resend, cancel, delivery reports, the auto
// workflow's steps and the call-back robot's lookup. Routes only translate HTTP to these.

export interface StartInput {
  to: string;
  channel?: RequestChannel;
  locale?: Locale;
  codeLength?: number;
  ttlSeconds?: number;
  sender?: string;
  metadata?: Record<string, unknown>;
  clientIp?: string;
}

export interface CheckInput {
  id?: string;
  to?: string;
  code: string;
}

/** Abuse protection before a send costs money (issue 5 plugs in here). */
export interface SendGuard {
  /** Throws an AppError to refuse; returns an undo for when the send does not happen. */
  beforeSend(ctx: { clientId: string; phone: Phone; clientIp?: string; now: number }): Promise<() => Promise<void>>;
  /** A verification to this number was approved (conversion for the pumping guard). */
  onApproved(ctx: { phone: Phone; now: number }): Promise<void>;
}

export const noGuard: SendGuard = {
  beforeSend: async () => async () => {},
  onApproved: async () => {},
};

export interface ServiceDeps {
  config: Config;
  store: VerificationStore;
  providers: Providers;
  scheduler: WorkflowScheduler;
  log: FastifyBaseLogger;
  metrics: Metrics;
  guard?: SendGuard;
  clock?: () => number;
}

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;
const TEST_PROVIDER = 'test';

export class VerificationService {
  private readonly config: Config;
  private readonly store: VerificationStore;
  private readonly providers: Providers;
  private readonly scheduler: WorkflowScheduler;
  private readonly log: FastifyBaseLogger;
  private readonly metrics: Metrics;
  private readonly guard: SendGuard;
  private readonly now: () => number;
  private readonly testCodes: Map<string, string>;

  constructor(deps: ServiceDeps) {
    this.config = deps.config;
    this.store = deps.store;
    this.providers = deps.providers;
    this.scheduler = deps.scheduler;
    this.log = deps.log;
    this.metrics = deps.metrics;
    this.guard = deps.guard ?? noGuard;
    this.now = deps.clock ?? Date.now;
    // loadConfig already refused test numbers in production without ALLOW_TEST_NUMBERS.
    this.testCodes = new Map(this.config.TEST_NUMBERS);
  }

  // ---------------------------------------------------------------- start

  async start(clientId: string, input: StartInput, idempotencyKey?: string) {
    if (!idempotencyKey) return { statusCode: 201, body: await this.doStart(clientId, input) };
    const bodyHash = createHash('sha256').update(stableJson(input)).digest('hex');
    let begun = await this.store.idempotencyBegin(clientId, idempotencyKey, bodyHash, IDEMPOTENCY_TTL_MS);
    // A twin request still running: wait briefly for its answer rather than send twice.
    for (let i = 0; begun.state === 'in_progress' && i < 40; i++) {
      await sleep(50);
      begun = await this.store.idempotencyBegin(clientId, idempotencyKey, bodyHash, IDEMPOTENCY_TTL_MS);
    }
    if (begun.state === 'conflict') {
      throw new AppError('idempotency_key_reused', 'This Idempotency-Key was used with a different request body');
    }
    if (begun.state === 'replay') return { ...begun.response, replayed: true };
    if (begun.state === 'in_progress') {
      throw new AppError('rate_limited', 'A request with this Idempotency-Key is still being processed', {}, 1);
    }
    try {
      const body = await this.doStart(clientId, input);
      await this.store.idempotencyComplete(clientId, idempotencyKey, { bodyHash, response: { statusCode: 201, body } }, IDEMPOTENCY_TTL_MS);
      return { statusCode: 201, body };
    } catch (err) {
      // A refusal is the answer to replay; a server-side failure may succeed on retry.
      if (err instanceof AppError && err.status < 500) {
        await this.store
          .idempotencyComplete(clientId, idempotencyKey, { bodyHash, response: { statusCode: err.status, body: err.toProblem() } }, IDEMPOTENCY_TTL_MS)
          .catch(() => undefined);
      } else {
        await this.store.idempotencyAbort(clientId, idempotencyKey).catch(() => undefined);
      }
      throw err;
    }
  }

  private async doStart(clientId: string, input: StartInput) {
    const cfg = this.config;
    const phone = parsePhone(input.to, cfg.DEFAULT_COUNTRY);
    const requested = input.channel ?? cfg.DEFAULT_CHANNEL;
    const channel: DeliveryChannel = requested === 'auto' ? cfg.AUTO_WORKFLOW[0].channel : requested;
    const provider = this.providerFor(channel);
    const testCode = this.testCodes.get(phone.e164);
    const now = this.now();

    const undo = testCode ? async () => {} : await this.guard.beforeSend({ clientId, phone, clientIp: input.clientIp, now });

    const baseCodeLength = input.codeLength ?? cfg.CODE_LENGTH;
    const ttlMs = (input.ttlSeconds ?? cfg.CODE_TTL_SECONDS) * 1000;
    const id = newVerificationId(phoneTag(cfg.CODE_HMAC_SECRET, phone.e164));
    const codeLength = testCode ? testCode.length : codeLengthFor(provider, baseCodeLength);
    const code = testCode ?? (provider.choosesCode ? undefined : generateCode(codeLength));
    const record: VerificationRecord = {
      id,
      clientId,
      to: phone.e164,
      channel,
      requestedChannel: requested,
      status: 'pending',
      locale: input.locale ?? cfg.DEFAULT_LOCALE,
      codeLength,
      baseCodeLength,
      ttlMs,
      createdAt: now,
      expiresAt: now + this.codeTtlMs(channel, ttlMs),
      maxChecks: requested === 'flash_call' ? cfg.FLASH_CALL_MAX_CHECK_ATTEMPTS : cfg.MAX_CHECK_ATTEMPTS,
      checks: 0,
      sends: 1,
      maxSends: cfg.MAX_SENDS,
      gen: 1,
      step: 0,
      attempts: [{ channel, provider: testCode ? TEST_PROVIDER : provider.name, status: 'queued', at: now }],
      ...(code ? { codeHmac: codeHmac(cfg.CODE_HMAC_SECRET, id, code) } : {}),
      ...(input.sender ? { sender: input.sender } : {}),
      ...(testCode ? { testNumber: true } : {}),
    };

    const created = await releasingOnError(
      this.store.create(record, input.metadata ?? {}, this.sendLimits(!!testCode), this.failureLimit(), now),
      undo,
    );
    if (!created.ok) {
      await undo();
      throw refusalError(created);
    }
    if (created.value.supersededId) await this.cancelTimers(created.value.supersededId);
    this.metrics.started.inc({ channel: requested });
    this.log.info({ verificationId: id, channel: requested, to: maskPhone(phone.e164), clientId }, 'verification started');

    let current = record;
    // Test numbers never reach a provider, so an auto workflow has nothing to move on to.
    if (requested === 'auto' && !testCode) {
      // Timer first: if this process dies mid-send, the workflow still moves on.
      await this.scheduleStep(record, 0);
      current = (await this.deliver(record, 0, code)) ?? record;
      if (current.status === 'pending' && current.attempts[0]?.status === 'failed') {
        current = (await this.advance(id, clientId, 0)) ?? current;
      }
    } else {
      current = (await this.deliver(record, 0, code, { failVerification: true, throwOnError: true })) ?? record;
    }
    return this.resource(current, input.metadata ?? {});
  }

  // ---------------------------------------------------------------- check

  async check(clientId: string, input: CheckInput) {
    // Not digits at all: malformed whatever the verification (and costs no lookup).
    if (!/^\d{4,10}$/.test(input.code)) throw new AppError('invalid_code_format', 'The code must be 4 to 10 digits');
    const id = input.id ?? (input.to ? await this.pendingIdFor(clientId, input.to) : undefined);
    if (!id) throw notFound();
    const stored = await this.store.get(id);
    if (!stored || stored.record.clientId !== clientId) throw notFound();
    if (input.code.length !== stored.record.codeLength) {
      throw new AppError('invalid_code_format', `The code must be ${stored.record.codeLength} digits`);
    }
    const now = this.now();
    const failures = this.failureLimit();
    const begun = await this.store.checkBegin(id, clientId, failures, now);
    switch (begun.kind) {
      case 'not_found':
        throw notFound();
      case 'not_pending':
        throw notPending(begun.status);
      case 'rate_limited':
        throw new AppError('rate_limited', 'Too many wrong codes for this phone number', {}, seconds(begun.retryAfterMs));
      case 'exhausted':
        // Every allowed guess is taken by checks still in flight: this one is not evaluated.
        return { id, status: begun.record.status, valid: false, checksRemaining: 0 };
    }
    const rec = begun.record;
    const match = !!rec.codeHmac && hmacEquals(rec.codeHmac, codeHmac(this.config.CODE_HMAC_SECRET, id, input.code));
    const settled = await this.store.checkSettle(id, clientId, rec.gen, match, failures, now);
    if (settled.kind === 'not_found') throw notFound();
    if (settled.kind === 'not_pending') throw notPending(settled.record.status);
    const after = settled.record;
    this.metrics.checks.inc({ result: settled.kind === 'approved' ? 'approved' : after.status === 'max_attempts_reached' ? 'max_attempts' : 'wrong' });
    if (after.status !== 'pending') await this.cancelTimers(id);
    if (settled.kind === 'approved' && !after.testNumber) {
      await this.guard.onApproved({ phone: parsePhone(after.to, this.config.DEFAULT_COUNTRY), now }).catch((err) => {
        this.log.warn({ err, verificationId: id }, 'could not record an approval for the pumping guard');
      });
    }
    return {
      id,
      status: after.status,
      valid: settled.kind === 'approved',
      checksRemaining: Math.max(after.maxChecks - after.checks, 0),
    };
  }

  private async pendingIdFor(clientId: string, to: string) {
    const phone = parsePhone(to, this.config.DEFAULT_COUNTRY);
    return this.store.pendingId(clientId, phone.e164);
  }

  // ---------------------------------------------------------------- read, resend, cancel

  async get(clientId: string, id: string) {
    const stored = await this.store.get(id);
    if (!stored || stored.record.clientId !== clientId) throw notFound();
    return this.resource(stored.record, stored.metadata);
  }

  async resend(clientId: string, id: string, requestedChannel?: DeliveryChannel) {
    const stored = await this.store.get(id);
    if (!stored || stored.record.clientId !== clientId) throw notFound();
    const rec = stored.record;
    const channel = requestedChannel ?? rec.channel;
    const provider = this.providerFor(channel);
    const now = this.now();
    const testCode = rec.testNumber ? this.testCodes.get(rec.to) : undefined;
    const codeLength = testCode ? testCode.length : codeLengthFor(provider, rec.baseCodeLength);
    const code = testCode ?? (provider.choosesCode ? undefined : generateCode(codeLength));
    // A resend costs like a start: the same budgets, but no end-user IP to count by.
    const undo = testCode
      ? async () => {}
      : await this.guard.beforeSend({ clientId, phone: parsePhone(rec.to, this.config.DEFAULT_COUNTRY), now });
    const res = await releasingOnError(
      this.store.newCode(
        id,
        clientId,
        {
          channel,
          provider: testCode ? TEST_PROVIDER : provider.name,
          codeHmac: code ? codeHmac(this.config.CODE_HMAC_SECRET, id, code) : '',
          codeLength,
          expiresAt: now + this.codeTtlMs(channel, rec.ttlMs),
        },
        { mode: 'resend', limits: this.sendLimits(!!testCode) },
        now,
      ),
      undo,
    );
    if (!res.ok) {
      await undo();
      if (res.reason === 'not_found' || res.reason === 'stale') throw notFound();
      if (res.reason === 'not_pending') throw notPending(res.status);
      throw refusalError(res as Refusal);
    }
    const updated = res.value;
    const after = await this.deliver(updated, updated.attempts.length - 1, code, { throwOnError: true });
    return this.resource(after ?? updated, stored.metadata);
  }

  async cancel(clientId: string, id: string) {
    const res = await this.store.cancel(id, clientId, this.now());
    if (!res.ok) {
      if (res.reason === 'not_pending') throw notPending(res.status);
      throw notFound();
    }
    await this.cancelTimers(id);
    const stored = await this.store.get(id);
    return this.resource(res.value, stored?.metadata ?? {});
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Sends the code of attempt `index` and records the outcome. With failVerification a failed
   * send ends the verification as `failed`; with throwOnError the caller gets the AppError.
   */
  private async deliver(
    rec: VerificationRecord,
    index: number,
    code: string | undefined,
    opts: { failVerification?: boolean; throwOnError?: boolean } = {},
  ): Promise<VerificationRecord | undefined> {
    const attempt = rec.attempts[index];
    if (attempt.provider === TEST_PROVIDER) {
      return this.store.recordDelivery(rec.id, rec.clientId, index, { status: 'sent', providerRef: `test-${rec.id}-${index}` }, this.now());
    }
    const provider = this.providerFor(attempt.channel);
    try {
      const result = await provider.send({
        verificationId: rec.id,
        attemptId: `${rec.id}-${index}`,
        to: rec.to,
        code,
        locale: rec.locale,
        sender: rec.sender,
      });
      this.metrics.sends.inc({ channel: attempt.channel, provider: provider.name, result: 'ok' });
      const chosen = !code && result.code ? codeHmac(this.config.CODE_HMAC_SECRET, rec.id, result.code) : undefined;
      // Watched until a final status arrives, by report or by polling (DeliveryPoller).
      const ref = result.providerRef;
      await Promise.all([
        ref ? this.store.indexProviderRef(provider.name, ref, rec.id, index) : undefined,
        ref && provider.pollStatus ? this.store.trackAdd(pollSet(provider.name), ref, this.now()) : undefined,
      ]).catch((err) => {
        this.log.warn({ err, verificationId: rec.id }, 'could not index the provider reference');
      });
      return await this.store.recordDelivery(
        rec.id,
        rec.clientId,
        index,
        { status: result.status, providerRef: result.providerRef, codeHmac: chosen, gen: rec.gen },
        this.now(),
      );
    } catch (err) {
      const appErr = err instanceof AppError ? err : new AppError('provider_error', 'The provider failed');
      if (!(err instanceof AppError)) this.log.error({ err, verificationId: rec.id }, 'provider adapter threw');
      this.metrics.sends.inc({ channel: attempt.channel, provider: provider.name, result: appErr.code });
      this.log.warn(
        { verificationId: rec.id, channel: attempt.channel, provider: provider.name, code: appErr.code, to: maskPhone(rec.to) },
        'delivery failed',
      );
      const after = await this.store.recordDelivery(
        rec.id,
        rec.clientId,
        index,
        { status: 'failed', failVerification: opts.failVerification },
        this.now(),
      );
      if (opts.throwOnError) throw appErr;
      return after;
    }
  }

  /** A delivery report or a polled status from a provider. Unknown references are ignored. */
  async applyDeliveryStatus(provider: string, providerRef: string, status: AttemptStatus) {
    this.metrics.deliveryReports.inc({ provider, status });
    if (status !== 'queued' && status !== 'sent') await this.store.trackRemove(pollSet(provider), [providerRef]);
    const found = await this.store.findByProviderRef(provider, providerRef);
    if (!found) return false;
    const stored = await this.store.get(found.id);
    if (!stored) return false;
    const rec = await this.store.recordDelivery(found.id, stored.record.clientId, found.attemptIndex, { status }, this.now());
    if (!rec) return false;
    const isCurrent = found.attemptIndex === rec.attempts.length - 1;
    if ((status === 'undelivered' || status === 'failed') && isCurrent && rec.status === 'pending' && rec.requestedChannel === 'auto') {
      await this.advance(rec.id, rec.clientId, rec.step);
    }
    return true;
  }

  // ---------------------------------------------------------------- auto workflow

  /** Best effort: a timer left behind finds the verification ended and does nothing. */
  private async cancelTimers(id: string) {
    await this.scheduler.cancel(id).catch((err) => {
      this.log.warn({ err, verificationId: id }, 'could not remove the workflow timers');
    });
  }

  private async scheduleStep(rec: VerificationRecord, step: number) {
    const wf = this.config.AUTO_WORKFLOW;
    if (step >= wf.length - 1) return; // the last step just runs out its code's life
    await this.scheduler.schedule(rec.id, step, wf[step].seconds * 1000);
  }

  /** Timer or failure: moves an auto verification from `fromStep` to the next step, once. */
  async advance(id: string, clientId: string | undefined, fromStep: number): Promise<VerificationRecord | undefined> {
    const wf = this.config.AUTO_WORKFLOW;
    let step = fromStep;
    let owner = clientId;
    for (;;) {
      const stored = await this.store.get(id);
      if (!stored) return undefined;
      const rec = stored.record;
      owner ??= rec.clientId;
      if (rec.status !== 'pending' || rec.step !== step || rec.testNumber) return rec;
      const next = step + 1;
      if (next >= wf.length) {
        // Nothing left to try. A failed last step ends the verification; a timed-out one
        // keeps its code until it expires.
        const last = rec.attempts[rec.attempts.length - 1];
        if (last?.status === 'failed') {
          return this.store.recordDelivery(id, owner, rec.attempts.length - 1, { status: 'failed', failVerification: true }, this.now());
        }
        return rec;
      }
      const channel = wf[next].channel;
      const provider = this.providerFor(channel);
      const now = this.now();
      const codeLength = codeLengthFor(provider, rec.baseCodeLength);
      const code = provider.choosesCode ? undefined : generateCode(codeLength);
      const res = await this.store.newCode(
        id,
        owner,
        {
          channel,
          provider: provider.name,
          codeHmac: code ? codeHmac(this.config.CODE_HMAC_SECRET, id, code) : '',
          codeLength,
          expiresAt: now + this.codeTtlMs(channel, rec.ttlMs),
        },
        { mode: 'advance', expectedStep: step },
        now,
      );
      if (!res.ok) return undefined; // another instance or timer moved it on first
      const updated = res.value;
      this.log.info({ verificationId: id, step: next, channel }, 'auto workflow moved to the next step');
      await this.scheduleStep(updated, next);
      const after = await this.deliver(updated, updated.attempts.length - 1, code);
      if (!after || after.status !== 'pending' || after.attempts[after.attempts.length - 1].status !== 'failed') {
        return after ?? updated;
      }
      step = next; // this step failed at once: on to the one after it
    }
  }

  // ---------------------------------------------------------------- helpers

  private providerFor(channel: DeliveryChannel): ChannelProvider {
    const p = this.providers[channel];
    if (!p) throw new AppError('channel_not_available', `The ${channel} channel is not available`);
    return p;
  }

  private codeTtlMs(channel: DeliveryChannel, requestedMs: number) {
    // 4-digit flash-call codes are weaker: they never live longer than FLASH_CALL_TTL_SECONDS.
    return channel === 'flash_call' ? Math.min(requestedMs, this.config.FLASH_CALL_TTL_SECONDS * 1000) : requestedMs;
  }

  private sendLimits(testNumber: boolean): SendLimits {
    return {
      cooldownMs: this.config.RESEND_COOLDOWN_SECONDS * 1000,
      limit: testNumber ? 0 : this.config.PHONE_SEND_LIMIT,
      windowMs: this.config.PHONE_SEND_WINDOW_SECONDS * 1000,
    };
  }

  private failureLimit(): FailureLimit {
    return { limit: this.config.PHONE_FAILURE_LIMIT, windowMs: 24 * 3600 * 1000 };
  }

  private resource(rec: VerificationRecord, metadata: Record<string, unknown>) {
    return toResource(rec, metadata, { now: this.now(), resendCooldownMs: this.config.RESEND_COOLDOWN_SECONDS * 1000 });
  }
}



/** Flash-call codes are the caller number's last 4 digits; some providers fix the length. */
const codeLengthFor = (p: ChannelProvider, requested: number) =>
  p.codeLength ?? (p.channel === 'flash_call' ? 4 : requested);
/** Provider references awaiting a final delivery status. */
export const pollSet = (provider: string) => `poll:${provider}`;
const seconds = (ms: number) => Math.max(Math.ceil(ms / 1000), 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const notFound = () => new AppError('verification_not_found', 'No such verification');
const notPending = (status: string) =>
  new AppError('verification_not_pending', `The verification is ${status}`, { verificationStatus: status });

/** A store step after the guard took budgets: if it fails, the budgets are given back. */
async function releasingOnError<T>(step: Promise<T>, undo: () => Promise<void>): Promise<T> {
  try {
    return await step;
  } catch (err) {
    await undo().catch(() => undefined);
    throw err;
  }
}

function refusalError(r: Refusal): AppError {
  if (r.reason === 'max_sends_reached') {
    return new AppError('max_sends_reached', 'No sends are left for this verification');
  }
  const wait = seconds(r.retryAfterMs);
  return r.reason === 'resend_too_soon'
    ? new AppError('resend_too_soon', `Wait ${wait} s before sending another code to this number`, {}, wait)
    : new AppError('rate_limited', 'Too many codes sent to this phone number', {}, wait);
}

/** JSON with sorted keys, so equal bodies hash equally whatever their key order. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
