import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { phoneTag, tagOfId } from '../codes.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import {
  RETENTION_MS,
  idempotencyState,
  type CheckBegin,
  type CheckSettle,
  type DeliveryUpdate,
  type FailureLimit,
  type IdempotencyBegin,
  type IdempotencyEntry,
  type NewCode,
  type SendLimits,
  type StoredVerification,
  type VerificationRecord,
  type VerificationStatus,
  type VerificationStore,
  type WindowHit,
} from './types.js';

// The production store: every read-modify-write is one Lua script (scripts/*.lua), so many
// service instances can share one Redis without races.

const script = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
const COMMON = script('common');
const VERIFICATION_SCRIPTS = ['create', 'check_begin', 'check_settle', 'new_code', 'record_delivery', 'cancel'] as const;

type Reply = [string, ...unknown[]];
type ScriptClient = (Redis | Cluster) & Record<string, (...args: unknown[]) => Promise<Reply>>;

/**
 * A client for the configured topology (single, Sentinel or Cluster). The defaults fail fast
 * instead of queueing while Redis is away, so a request gets its 503 at once; BullMQ's
 * worker overrides them (it needs blocking commands and an offline queue).
 */
export function createRedisClient(config: Config, overrides: Partial<RedisOptions> = {}): Redis | Cluster {
  const retryStrategy = (times: number) => Math.min(50 * times, 1000);
  const options: RedisOptions = {
    enableOfflineQueue: false,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy,
    // The ready check's INFO, sent without an offline queue, rejects unhandled when the
    // connection drops mid-handshake; a Redis still loading answers LOADING, a 503 anyway.
    enableReadyCheck: false,
    ...overrides,
  };
  if (config.REDIS_CLUSTER_NODES?.length) {
    return new Cluster(config.REDIS_CLUSTER_NODES, {
      enableOfflineQueue: options.enableOfflineQueue,
      clusterRetryStrategy: retryStrategy,
      redisOptions: options,
    });
  }
  if (config.REDIS_SENTINELS?.length) {
    return new Redis({ ...options, sentinels: config.REDIS_SENTINELS, name: config.REDIS_SENTINEL_NAME });
  }
  return new Redis(config.REDIS_URL ?? 'redis://127.0.0.1:6379', options);
}

export class RedisStore implements VerificationStore {
  readonly kind = 'redis' as const;
  private readonly r: ScriptClient;

  constructor(
    redis: Redis | Cluster,
    private readonly secret: string,
    private readonly prefix = 'otp:',
  ) {
    this.r = redis as ScriptClient;
    redis.on('error', () => {
      // Connection errors surface per command as store_unavailable; ioredis reconnects itself.
    });
    for (const name of VERIFICATION_SCRIPTS) {
      redis.defineCommand(`otp_${name}`, { numberOfKeys: 5, lua: `${COMMON}\n${script(name)}` });
    }
    redis.defineCommand('otp_hit', { numberOfKeys: 1, lua: script('hit') });
    redis.defineCommand('otp_peek', { numberOfKeys: 1, lua: script('peek') });
  }

  static fromConfig(config: Config, prefix?: string): RedisStore {
    return new RedisStore(createRedisClient(config), config.CODE_HMAC_SECRET, prefix);
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

  private keysForTag(tag: string, id: string, clientId: string): string[] {
    const base = `${this.prefix}{${tag}}:`;
    return [`${base}v:${id}`, `${base}p:${clientId}`, `${base}s`, `${base}f`, `${base}fc`];
  }

  private keysForId(id: string, clientId: string): string[] | undefined {
    const tag = tagOfId(id);
    return tag ? this.keysForTag(tag, id, clientId) : undefined;
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('store_unavailable', 'The verification store is not answering');
    }
  }

  private call(name: string, keys: string[], ...args: (string | number)[]): Promise<Reply> {
    return this.run(() => this.r[`otp_${name}`](...keys, ...args));
  }

  async create(
    record: VerificationRecord,
    metadata: Record<string, unknown>,
    limits: SendLimits,
    failures: FailureLimit,
    now: number,
  ) {
    const keys = this.keysForId(record.id, record.clientId)!;
    const res = await this.call(
      'create',
      keys,
      JSON.stringify(record),
      JSON.stringify(metadata),
      now,
      limits.cooldownMs,
      limits.limit,
      limits.windowMs,
      RETENTION_MS,
      failures.limit,
      failures.windowMs,
    );
    if (res[0] === 'ok') {
      return { ok: true as const, value: { record, supersededId: (res[2] as string) || undefined } };
    }
    return refusal(res);
  }

  async get(id: string): Promise<StoredVerification | undefined> {
    const keys = this.keysForId(id, '-');
    if (!keys) return undefined;
    const [r, m] = await this.run(() => this.r.hmget(keys[0], 'r', 'm'));
    if (!r) return undefined;
    return { record: JSON.parse(r) as VerificationRecord, metadata: m ? JSON.parse(m) : {} };
  }

  async pendingId(clientId: string, e164: string) {
    const tag = phoneTag(this.secret, e164);
    const id = await this.run(() => this.r.get(`${this.prefix}{${tag}}:p:${clientId}`));
    return id ?? undefined;
  }

  async flashCallId(e164: string) {
    const tag = phoneTag(this.secret, e164);
    const id = await this.run(() => this.r.get(`${this.prefix}{${tag}}:fc`));
    return id ?? undefined;
  }

  async checkBegin(id: string, clientId: string, failures: FailureLimit, now: number): Promise<CheckBegin> {
    const keys = this.keysForId(id, clientId);
    if (!keys) return { kind: 'not_found' };
    const res = await this.call('check_begin', keys, clientId, now, RETENTION_MS, failures.limit, failures.windowMs);
    switch (res[0]) {
      case 'ok':
        return { kind: 'ok', record: JSON.parse(res[1] as string) };
      case 'exhausted':
        return { kind: 'exhausted', record: JSON.parse(res[1] as string) };
      case 'not_pending':
        return { kind: 'not_pending', status: res[1] as VerificationStatus };
      case 'rate_limited':
        return { kind: 'rate_limited', retryAfterMs: Number(res[1]) };
      default:
        return { kind: 'not_found' };
    }
  }

  async checkSettle(
    id: string,
    clientId: string,
    gen: number,
    match: boolean,
    failures: FailureLimit,
    now: number,
  ): Promise<CheckSettle> {
    const keys = this.keysForId(id, clientId);
    if (!keys) return { kind: 'not_found' };
    const res = await this.call('check_settle', keys, clientId, gen, match ? '1' : '0', now, RETENTION_MS, failures.windowMs, randomUUID());
    if (res[0] === 'not_found') return { kind: 'not_found' };
    return { kind: res[0] as 'approved' | 'wrong' | 'not_pending', record: JSON.parse(res[1] as string) };
  }

  async newCode(
    id: string,
    clientId: string,
    code: NewCode,
    how: { mode: 'resend'; limits: SendLimits } | { mode: 'advance'; expectedStep: number },
    now: number,
  ) {
    const keys = this.keysForId(id, clientId);
    if (!keys) return { ok: false as const, reason: 'not_found' as const };
    const limits = how.mode === 'resend' ? how.limits : { cooldownMs: 0, limit: 0, windowMs: 0 };
    const res = await this.call(
      'new_code',
      keys,
      clientId,
      now,
      code.channel,
      code.provider,
      code.codeHmac,
      code.expiresAt,
      how.mode,
      how.mode === 'advance' ? how.expectedStep : -1,
      limits.cooldownMs,
      limits.limit,
      limits.windowMs,
      RETENTION_MS,
      code.codeLength,
    );
    switch (res[0]) {
      case 'ok':
        return { ok: true as const, value: JSON.parse(res[1] as string) as VerificationRecord };
      case 'not_found':
      case 'stale':
        return { ok: false as const, reason: res[0] };
      case 'not_pending':
        return { ok: false as const, reason: 'not_pending' as const, status: res[1] as VerificationStatus };
      default:
        return refusal(res);
    }
  }

  async recordDelivery(id: string, clientId: string, attemptIndex: number, u: DeliveryUpdate, now: number) {
    const keys = this.keysForId(id, clientId);
    if (!keys) return undefined;
    const res = await this.call(
      'record_delivery',
      keys,
      clientId,
      attemptIndex,
      u.status,
      u.providerRef ?? '',
      u.codeHmac ?? '',
      u.gen ?? -1,
      u.failVerification ? '1' : '0',
      now,
      RETENTION_MS,
    );
    return res[0] === 'ok' ? (JSON.parse(res[1] as string) as VerificationRecord) : undefined;
  }

  async cancel(id: string, clientId: string, now: number) {
    const keys = this.keysForId(id, clientId);
    if (!keys) return { ok: false as const, reason: 'not_found' as const };
    const res = await this.call('cancel', keys, clientId, now, RETENTION_MS);
    if (res[0] === 'ok') return { ok: true as const, value: JSON.parse(res[1] as string) as VerificationRecord };
    if (res[0] === 'not_pending') return { ok: false as const, reason: 'not_pending' as const, status: res[1] as VerificationStatus };
    return { ok: false as const, reason: 'not_found' as const };
  }

  private refKey(provider: string, ref: string) {
    return `${this.prefix}ref:${provider}:${ref}`;
  }

  async indexProviderRef(provider: string, ref: string, id: string, attemptIndex: number) {
    await this.run(() => this.r.set(this.refKey(provider, ref), `${id}|${attemptIndex}`, 'PX', RETENTION_MS * 3));
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

  async idempotencyBegin(clientId: string, key: string, bodyHash: string, ttlMs: number): Promise<IdempotencyBegin> {
    const k = this.idemKey(clientId, key);
    const entry: IdempotencyEntry = { bodyHash };
    const set = await this.run(() => this.r.set(k, JSON.stringify(entry), 'PX', ttlMs, 'NX'));
    if (set === 'OK') return { state: 'new' };
    const raw = await this.run(() => this.r.get(k));
    return idempotencyState(raw ? (JSON.parse(raw) as IdempotencyEntry) : undefined, bodyHash);
  }

  async idempotencyComplete(clientId: string, key: string, entry: IdempotencyEntry, ttlMs: number) {
    await this.run(() => this.r.set(this.idemKey(clientId, key), JSON.stringify(entry), 'PX', ttlMs));
  }

  async idempotencyAbort(clientId: string, key: string) {
    await this.run(() => this.r.del(this.idemKey(clientId, key)));
  }

  async hit(name: string, limit: number, windowMs: number, member: string, now: number): Promise<WindowHit> {
    const res = (await this.run(() =>
      this.r.otp_hit(`${this.prefix}lim:${name}`, limit, windowMs, member, now),
    )) as unknown as [number, number, number];
    return { allowed: res[0] === 1, count: res[1], retryAfterMs: res[2] };
  }

  async peek(name: string, windowMs: number, now: number) {
    const [count, retryAfterMs] = (await this.run(() =>
      this.r.otp_peek(`${this.prefix}lim:${name}`, windowMs, now),
    )) as unknown as [number, number];
    return { count, retryAfterMs };
  }

  async unhit(name: string, member: string) {
    await this.run(() => this.r.zrem(`${this.prefix}lim:${name}`, member));
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
