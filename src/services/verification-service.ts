import type { FastifyBaseLogger } from 'fastify';
import { codeHmac, newVerificationId, phoneTag } from '../codes.js';
import { AppError } from '../errors.js';
import { TEST_PROVIDER, type DeliveryChannel, type Locale, type RequestChannel } from '../model.js';
import { maskPhone, parsePhone, type Phone } from '../phone.js';
import type { AttemptStatus, ReadResult, StoredVerification } from '../store/types.js';
import { ipTag } from './abuse-guard.js';
import { AutoWorkflow } from './auto-workflow.js';
import { Delivery } from './delivery.js';
import { cancelTimers, providerFor, type EngineDeps } from './engine.js';
import { issueCode, codeTtlMs } from './issue-code.js';
import { notFound, notPending, notThere, refusalError, releasingOnError, seconds } from './refusals.js';
import { toResource } from './resource.js';

// The verification use cases: start, check, read, resend, cancel (and expiry by a timer).
// Routes translate HTTP to these; delivery and the auto workflow live in their own modules.

export interface StartInput {
  phone: Phone;
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
  phone?: Phone;
  code: string;
}

/** Who asks: the API client, and the request's logger (its lines carry the request id). */
export interface Caller {
  clientId: string;
  log: FastifyBaseLogger;
}

export class VerificationService {
  readonly delivery: Delivery;
  readonly workflow: AutoWorkflow;
  private readonly testCodes: Map<string, string>;

  constructor(private readonly d: EngineDeps) {
    this.delivery = new Delivery(d);
    this.workflow = new AutoWorkflow(d, this.delivery);
    // loadConfig already refused test numbers in production without ALLOW_TEST_NUMBERS.
    this.testCodes = new Map(d.config.TEST_NUMBERS);
  }

  async start(caller: Caller, input: StartInput) {
    const { config: cfg, store } = this.d;
    const { phone } = input;
    const requested = input.channel ?? cfg.DEFAULT_CHANNEL;
    const step = requested === 'auto' ? this.firstAutoStep() : 0;
    const channel = requested === 'auto' ? cfg.AUTO_WORKFLOW[step].channel : requested;
    const provider = providerFor(this.d.providers, channel);
    const testCode = this.testCodes.get(phone.e164);
    const ip = input.clientIp === undefined ? undefined : ipTag(cfg.CODE_HMAC_SECRET, input.clientIp);
    const now = this.d.now();
    const undo = testCode ? async () => {} : await this.d.guard.beforeSend({ phone, ipTag: ip, now, log: caller.log });

    const baseCodeLength = input.codeLength ?? cfg.CODE_LENGTH;
    const ttlMs = (input.ttlSeconds ?? cfg.CODE_TTL_SECONDS) * 1000;
    const id = newVerificationId(cfg.CODE_HMAC_SECRET, phoneTag(cfg.CODE_HMAC_SECRET, phone.e164));
    const issued = issueCode(provider, baseCodeLength, testCode);
    const metadata = input.metadata ?? {};
    const created = await releasingOnError(
      store.create(
        {
          id,
          clientId: caller.clientId,
          to: phone.e164,
          channel,
          requestedChannel: requested,
          provider: testCode ? TEST_PROVIDER : provider.name,
          locale: input.locale ?? cfg.DEFAULT_LOCALE,
          codeLength: issued.length,
          baseCodeLength,
          ttlMs,
          expiresAt: now + codeTtlMs(cfg, channel, ttlMs),
          ...(input.sender ? { sender: input.sender } : {}),
          ...(requested === 'auto' ? { step } : {}),
          // Every later send (a resend, an auto step) counts against the start's end user.
          ...(ip ? { ipTag: ip } : {}),
          metadata,
          unlimited: !!testCode,
        },
        now,
      ),
      undo,
    );
    if (!created.ok) {
      await undo();
      throw refusalError(created);
    }
    const ev = this.d.events;
    for (const old of created.expired) ev.emit('verification.expired', old, now);
    if (created.superseded) {
      ev.emit('verification.canceled', created.superseded, now);
      if (created.superseded.record.requestedChannel === 'auto') await cancelTimers(this.d, created.superseded.record.id, caller.log);
    }
    const stored: StoredVerification = { record: created.record, metadata };
    ev.emit('verification.started', stored, now);
    caller.log.info({ verificationId: id, channel: requested, to: maskPhone(phone.e164), clientId: caller.clientId }, 'verification started');

    // Test numbers never reach a provider, so an auto workflow has nothing to move on to.
    const after =
      requested === 'auto' && !testCode
        ? await this.workflow.begin(stored, issued.code, caller.log, input.clientIp)
        : await this.delivery.deliver(stored, 0, issued.code, caller.log, { failVerification: true, throwOnError: true, clientIp: input.clientIp });
    return this.resource(after);
  }

  async check(caller: Caller, input: CheckInput) {
    // Not digits at all: malformed whatever the verification (and costs no lookup).
    if (!/^\d{4,10}$/.test(input.code)) throw new AppError('invalid_code_format', 'The code must be 4 to 10 digits');
    const { config, store } = this.d;
    const now = this.d.now();
    const id = input.id ?? (input.phone && (await store.pendingId(caller.clientId, phoneTag(config.CODE_HMAC_SECRET, input.phone.e164), now)));
    if (!id) throw notFound();
    const guess = { hmac: codeHmac(config.CODE_HMAC_SECRET, id, input.code), length: input.code.length };
    const res = await store.check(id, caller.clientId, guess, 'check', now);
    if (!res.ok) {
      if (res.reason === 'bad_length') throw new AppError('invalid_code_format', `The code must be ${res.codeLength} digits`);
      if (res.reason === 'rate_limited') throw new AppError('rate_limited', 'Too many wrong codes for this phone number', {}, seconds(res.retryAfterMs));
      if (res.reason === 'not_pending' && res.expired) this.d.events.emit('verification.expired', res, now);
      throw notThere(res);
    }
    const rec = res.record;
    const approved = res.outcome === 'approved';
    if (!approved) this.d.events.emit('check.wrong', res, now);
    this.d.events.ended(res, now);
    if (rec.status !== 'pending' && rec.requestedChannel === 'auto') await cancelTimers(this.d, id, caller.log);
    if (approved && !rec.testNumber) this.d.guard.onApproved({ phone: input.phone ?? parsePhone(rec.to, config.DEFAULT_COUNTRY), now });
    return { id, status: rec.status, valid: approved, checksRemaining: Math.max(rec.maxChecks - rec.checks, 0) };
  }

  async get(caller: Caller, id: string) {
    const read = await this.read(id, caller.log);
    if (!read || read.record.clientId !== caller.clientId) throw notFound();
    return this.resource(read);
  }

  /** The durable expiry timer's entry: ends a due verification as expired. */
  async expireIfDue(id: string): Promise<boolean> {
    return !!(await this.read(id, this.d.log))?.expired;
  }

  private async read(id: string, log: FastifyBaseLogger): Promise<ReadResult | undefined> {
    const read = await this.d.store.read(id, this.d.now());
    if (read?.expired) {
      this.d.events.emit('verification.expired', read, this.d.now());
      if (read.record.requestedChannel === 'auto') await cancelTimers(this.d, id, log);
    }
    return read;
  }

  async resend(caller: Caller, id: string, requestedChannel?: DeliveryChannel) {
    const read = await this.read(id, caller.log);
    if (!read || read.record.clientId !== caller.clientId) throw notFound();
    const rec = read.record;
    if (rec.status !== 'pending') throw notPending(rec.status);
    const { config, store } = this.d;
    const channel = requestedChannel ?? rec.channel;
    const provider = providerFor(this.d.providers, channel);
    const now = this.d.now();
    const testCode = rec.testNumber ? this.testCodes.get(rec.to) : undefined;
    const issued = issueCode(provider, rec.baseCodeLength, testCode);
    // A resend costs like a start: the same budgets (the start's end-user IP where kept).
    const undo = testCode
      ? async () => {}
      : await this.d.guard.beforeSend({ phone: parsePhone(rec.to, config.DEFAULT_COUNTRY), ipTag: rec.ipTag, now, log: caller.log });
    const plan = { mode: 'resend' as const, channel, provider: testCode ? TEST_PROVIDER : provider.name, unlimited: !!testCode };
    const begun = await releasingOnError(store.beginSend(id, caller.clientId, plan, now), undo);
    if (!begun.ok) {
      await undo();
      if (begun.reason === 'not_found' || begun.reason === 'stale') throw notFound();
      if (begun.reason === 'not_pending') {
        if (begun.expired) this.d.events.emit('verification.expired', begun, now);
        throw notPending(begun.status);
      }
      throw refusalError(begun);
    }
    const s = { record: begun.record, metadata: begun.metadata };
    if (rec.requestedChannel === 'auto' && !rec.testNumber) await this.workflow.restartClock(s);
    const channelChange = channel !== rec.channel ? { from: rec.channel } : undefined;
    return this.resource(await this.delivery.deliver(s, begun.attemptIndex, issued.code, caller.log, { throwOnError: true, channelChange }));
  }

  async cancel(caller: Caller, id: string) {
    const now = this.d.now();
    const res = await this.d.store.cancel(id, caller.clientId, now);
    if (!res.ok) {
      if (res.reason === 'not_pending' && res.expired) this.d.events.emit('verification.expired', res, now);
      throw notThere(res);
    }
    this.d.events.emit('verification.canceled', res, now);
    if (res.record.requestedChannel === 'auto') await cancelTimers(this.d, id, caller.log);
    return this.resource(res);
  }

  /** A delivery report or a polled status from a provider. Unknown references are ignored. */
  async applyDeliveryStatus(provider: string, providerRef: string, status: AttemptStatus) {
    const applied = await this.delivery.applyStatus(provider, providerRef, status);
    if (!applied) return false;
    const rec = applied.stored.record;
    const isLatest = applied.attemptIndex === rec.attempts.length - 1;
    if ((status === 'undelivered' || status === 'failed') && isLatest && rec.status === 'pending' && rec.requestedChannel === 'auto') {
      await this.workflow.advance(rec.id, rec.step, status === 'failed' ? 'failed' : 'undelivered');
    }
    return true;
  }

  /** The scheduler's entry: a step's wait ran out. */
  async stepTimedOut(id: string, step: number) {
    await this.workflow.advance(id, step, 'timeout');
  }

  /** The first step of the auto workflow whose channel is on. */
  private firstAutoStep(): number {
    const step = this.d.config.AUTO_WORKFLOW.findIndex((s) => this.d.providers[s.channel]);
    if (step < 0) throw new AppError('channel_not_available', 'No channel of the auto workflow is available');
    return step;
  }

  private resource(s: StoredVerification) {
    return toResource(s.record, s.metadata, { now: this.d.now(), resendCooldownMs: this.d.config.RESEND_COOLDOWN_SECONDS * 1000 });
  }
}
