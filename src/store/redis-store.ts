import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { bucketOf, idFor, parseId } from '../codes.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { AT, CH, compactOf, metadataOf, recordOf, type CompactRecord } from './record.js';
import { createRedisClient, DEFAULT_KEY_PREFIX } from './redis-client.js';
import {
  idempotencyState,
  rulesFromConfig,
  type BeginSendResult,
  type CheckResult,
  type CreateResult,
  type DeliveryUpdate,
  type GuardResult,
  type GuardSend,
  type IdempotencyEntry,
  type NewVerification,
  type NotThere,
  type SendPlan,
  type StoreRules,
  type VerificationStore,
} from './types.js';

// The production store: every read-modify-write is one Lua script (scripts/*.lua), so many
// service instances can share one Redis without races. A phone's verifications and limits
// live in one key (common.lua), the abuse guard's counters under one hash tag (guard.lua).

const script = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
const COMMON = script('common');
const DOC_SCRIPTS = ['start', 'read', 'check', 'find', 'begin_send', 'deliver', 'cancel'] as const;

type Reply = string[];
type ScriptClient = (Redis | Cluster) & Record<string, (...args: unknown[]) => Promise<Reply>>;

export class RedisStore implements VerificationStore {
  readonly kind = 'redis' as const;
  private readonly r: ScriptClient;

  constructor(
    redis: Redis | Cluster,
    private readonly secret: string,
    private readonly rules: StoreRules,
    private readonly prefix = DEFAULT_KEY_PREFIX,
  ) {
    this.r = redis as ScriptClient;
    redis.on('error', () => {
      // Connection errors surface per command as store_unavailable; ioredis reconnects itself.
    });
    for (const name of DOC_SCRIPTS) redis.defineCommand(`otp_${name}`, { numberOfKeys: 1, lua: `${COMMON}\n${script(name)}` });
    redis.defineCommand('otp_guard', { numberOfKeys: 5, lua: script('guard') });
    redis.defineCommand('otp_hit', { numberOfKeys: 1, lua: script('hit') });
  }

  static fromConfig(config: Config, prefix?: string): RedisStore {
    return new RedisStore(createRedisClient(config), config.CODE_HMAC_SECRET, rulesFromConfig(config), prefix);
  }

  /** Resolves once connected, or false after timeoutMs (the client keeps reconnecting). */
  async waitReady(timeoutMs: number): Promise<boolean> {
    if (this.r.status === 'ready') return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.r.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.r.on('ready', onReady);
    });
  }

  get client(): Redis | Cluster {
    return this.r;
  }

  /** The phone's document: the bucket is the Cluster hash tag, shared by many numbers. */
  private docKey(tag: string) {
    return `${this.prefix}{${bucketOf(tag)}}:${tag}`;
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('store_unavailable', 'The verification store is not answering');
    }
  }

  private doc(name: (typeof DOC_SCRIPTS)[number], tag: string, now: number, ...args: (string | number)[]): Promise<Reply> {
    const h = this.rules;
    return this.run(() =>
      this.r[`otp_${name}`](
        this.docKey(tag),
        now,
        h.retentionMs,
        h.cooldownMs,
        h.sendLimit,
        h.sendWindowMs,
        h.failureLimit,
        h.failureWindowMs,
        h.maxChecks,
        h.flashMaxChecks,
        h.robotLimit,
        h.robotWindowMs,
        ...args,
      ),
    );
  }

  private rec(id: string, json: string) {
    const c = JSON.parse(json) as CompactRecord;
    return { record: recordOf(id, c, this.rules), metadata: metadataOf(c) };
  }

  private notThere(id: string, res: Reply): NotThere {
    if (res[0] !== 'not_pending') return { ok: false, reason: 'not_found' };
    const s = this.rec(id, res[1]);
    return { ok: false, reason: 'not_pending', status: s.record.status, expired: res[2] === '1', ...s };
  }

  async create(v: NewVerification, now: number): Promise<CreateResult> {
    const { tag, nonce } = parseId(this.secret, v.id)!;
    const res = await this.doc('start', tag, now, nonce, JSON.stringify(compactOf(v, this.rules, now)), v.unlimited ? '1' : '0');
    if (res[0] !== 'ok') return refusal(res);
    const expired = [];
    for (let i = 3; i < res.length; i += 2) expired.push(this.rec(idFor(this.secret, tag, res[i]), res[i + 1]));
    return {
      ok: true,
      record: recordOf(v.id, compactOf(v, this.rules, now), this.rules),
      ...(res[1] ? { superseded: this.rec(idFor(this.secret, tag, res[1]), res[2]) } : {}),
      expired,
    };
  }

  async read(id: string, now: number) {
    const p = parseId(this.secret, id);
    if (!p) return undefined;
    const res = await this.doc('read', p.tag, now, p.nonce);
    if (res[0] !== 'ok') return undefined;
    return { ...this.rec(id, res[1]), expired: res[2] === '1' };
  }

  async pendingId(clientId: string, tag: string, now: number) {
    const res = await this.doc('find', tag, now, 'pending', clientId);
    return res[0] ? idFor(this.secret, tag, res[0]) : undefined;
  }

  async flashCallId(tag: string, now: number) {
    const res = await this.doc('find', tag, now, 'flash');
    return { id: res[0] ? idFor(this.secret, tag, res[0]) : undefined, limited: res[1] === 'limited' };
  }

  async check(id: string, clientId: string, guess: { hmac: string; length: number }, mode: 'check' | 'lookup', now: number): Promise<CheckResult> {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false, reason: 'not_found' };
    const res = await this.doc('check', p.tag, now, p.nonce, clientId, guess.hmac, mode, guess.length);
    if (res[0] === 'bad_length') return { ok: false, reason: 'bad_length', codeLength: Number(res[1]) };
    if (res[0] === 'approved' || res[0] === 'wrong' || res[0] === 'match') return { ok: true, outcome: res[0], ...this.rec(id, res[1]) };
    if (res[0] === 'rate_limited') return { ok: false, reason: 'rate_limited', retryAfterMs: Math.max(Number(res[1]), 1) };
    return this.notThere(id, res);
  }

  async beginSend(id: string, clientId: string, plan: SendPlan, now: number): Promise<BeginSendResult> {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false, reason: 'not_found' };
    const res = await this.doc(
      'begin_send',
      p.tag,
      now,
      p.nonce,
      clientId,
      plan.mode,
      plan.fromStep ?? -1,
      CH.short[plan.channel],
      plan.provider,
      plan.unlimited ? '1' : '0',
      plan.toStep ?? -1,
      this.rules.maxSends,
    );
    if (res[0] === 'ok') return { ok: true, ...this.rec(id, res[1]), attemptIndex: Number(res[2]) };
    if (res[0] === 'stale') return { ok: false, reason: 'stale' };
    if (res[0] === 'not_found' || res[0] === 'not_pending') return this.notThere(id, res);
    return refusal(res);
  }

  async applyDelivery(id: string, attemptIndex: number, u: DeliveryUpdate, now: number) {
    const p = parseId(this.secret, id);
    if (!p) return undefined;
    const res = await this.doc(
      'deliver',
      p.tag,
      now,
      p.nonce,
      attemptIndex,
      AT.short[u.status],
      u.providerRef ?? '',
      u.provider ?? '',
      u.code?.hmac ?? '',
      u.code?.length ?? 0,
      u.code?.expiresAt ?? 0,
      u.failVerification ? '1' : '0',
    );
    if (res[0] !== 'ok') return undefined;
    return { ...this.rec(id, res[1]), changed: res[2] === '1', committed: res[3] === '1', failed: res[4] === '1', expired: res[5] === '1' };
  }

  async cancel(id: string, clientId: string, now: number) {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false as const, reason: 'not_found' as const };
    const res = await this.doc('cancel', p.tag, now, p.nonce, clientId);
    if (res[0] === 'ok') return { ok: true as const, ...this.rec(id, res[1]) };
    return this.notThere(id, res);
  }

  private refKey(provider: string, ref: string) {
    return `${this.prefix}ref:${provider}:${ref}`;
  }

  async indexProviderRef(provider: string, ref: string, id: string, attemptIndex: number, poll?: { set: string; at: number }) {
    // Two single-key commands in one write (auto-pipelining): one round trip, any topology.
    await this.run(() =>
      Promise.all([
        this.r.set(this.refKey(provider, ref), `${id}|${attemptIndex}`, 'PX', this.rules.retentionMs * 3),
        poll ? this.r.zadd(`${this.prefix}track:${poll.set}`, poll.at, ref) : undefined,
      ]),
    );
  }

  async findByProviderRef(provider: string, ref: string) {
    const v = await this.run(() => this.r.get(this.refKey(provider, ref)));
    if (!v) return undefined;
    const [id, idx] = v.split('|');
    return { id, attemptIndex: Number(idx) };
  }

  private idemKey(clientId: string, key: string) {
    // The client's key is hashed: it is caller-chosen text of any length.
    return `${this.prefix}idem:${clientId}:${createHash('sha256').update(key).digest('hex')}`;
  }

  async idempotencyBegin(clientId: string, key: string, bodyHash: string, leaseMs: number) {
    const k = this.idemKey(clientId, key);
    const set = await this.run(() => this.r.set(k, JSON.stringify({ bodyHash }), 'PX', leaseMs, 'NX'));
    if (set === 'OK') return { state: 'new' as const };
    const raw = await this.run(() => this.r.get(k));
    return idempotencyState(raw ? (JSON.parse(raw) as IdempotencyEntry) : undefined, bodyHash);
  }

  async idempotencyComplete(clientId: string, key: string, entry: IdempotencyEntry, ttlMs: number) {
    await this.run(() => this.r.set(this.idemKey(clientId, key), JSON.stringify(entry), 'PX', ttlMs));
  }

  async idempotencyAbort(clientId: string, key: string) {
    await this.run(() => this.r.del(this.idemKey(clientId, key)));
  }

  private guard(send: GuardSend, mode: 'take' | 'release' | 'approve', now: number, prefix = send.pumping?.prefix) {
    const g = `${this.prefix}{g}:`;
    const p = send.pumping;
    return this.run(() =>
      this.r.otp_guard(
        `${g}gl`,
        `${g}ip:${send.ip?.tag ?? '-'}`,
        `${g}ps:${prefix ?? '-'}`,
        `${g}pa:${prefix ?? '-'}`,
        `${g}pb:${prefix ?? '-'}`,
        now,
        mode,
        send.global?.limit ?? 0,
        send.ip?.limit ?? 0,
        send.ip?.windowMs ?? 0,
        p ? '1' : '0',
        p?.minSends ?? 0,
        p?.minConversion ?? 0,
        p?.blockMs ?? 0,
      ),
    );
  }

  async guardTake(send: GuardSend, now: number): Promise<GuardResult> {
    const res = await this.guard(send, 'take', now);
    if (res[0] === 'ok') return { ok: true };
    const retryAfterMs = Math.max(Number(res[1]), 1);
    if (res[0] !== 'blocked') return { ok: false, reason: res[0] as 'global' | 'ip', retryAfterMs };
    return { ok: false, reason: 'blocked', retryAfterMs, ...(res[2] === '1' ? { started: { sends: Number(res[3]), approvals: Number(res[4]) } } : {}) };
  }

  async guardRelease(send: GuardSend, takenAt: number) {
    await this.guard(send, 'release', takenAt);
  }

  async guardApproval(prefix: string, blockMs: number, now: number) {
    await this.guard({ pumping: { prefix, blockMs, minSends: 0, minConversion: 0 } }, 'approve', now);
  }

  async hit(name: string, limit: number, windowMs: number, member: string, now: number) {
    const res = (await this.run(() =>
      this.r.otp_hit(`${this.prefix}lim:${name}`, limit, windowMs, member, now),
    )) as unknown as [number, number, number];
    return { allowed: res[0] === 1, count: res[1], retryAfterMs: res[2] };
  }

  async trackAdd(name: string, member: string, at: number) {
    await this.run(() => this.r.zadd(`${this.prefix}track:${name}`, at, member));
  }

  async trackDue(name: string, until: number, limit: number) {
    const flat = await this.run(() =>
      this.r.zrangebyscore(`${this.prefix}track:${name}`, '-inf', until, 'WITHSCORES', 'LIMIT', 0, limit),
    );
    const out: { member: string; at: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i], at: Number(flat[i + 1]) });
    return out;
  }

  async trackRemove(name: string, members: string[]) {
    if (members.length) await this.run(() => this.r.zrem(`${this.prefix}track:${name}`, ...members));
  }

  async ping() {
    await this.run(() => this.r.ping());
  }

  async close() {
    this.r.disconnect();
  }
}

function refusal(res: Reply) {
  if (res[0] === 'max_sends_reached') return { ok: false as const, reason: 'max_sends_reached' as const };
  return {
    ok: false as const,
    reason: res[0] as 'resend_too_soon' | 'rate_limited',
    retryAfterMs: Math.max(Number(res[1]), 1),
  };
}
