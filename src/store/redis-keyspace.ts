import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { AppError } from '../errors.js';
import { DEFAULT_KEY_PREFIX } from './redis-client.js';
import { idempotencyState, type GuardResult, type GuardSend, type IdempotencyEntry, type StoreRules } from './types.js';

// Everything of the Redis store besides the verifications themselves: the connection, the
// abuse guard's counters (scripts/guard.lua), provider references, Idempotency-Key entries,
// throttle windows and the pollers' tracking sets.

export const script = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');

export type Reply = string[];

const DAY_MS = 86_400_000;
/** Days after the day of sending on which a delivery report is still matched (as 3 × retention before). */
const REF_DAYS = 3;
type ScriptClient = (Redis | Cluster) & Record<string, (...args: unknown[]) => Promise<Reply>>;

export class RedisKeyspace {
  protected readonly r: ScriptClient;

  constructor(
    redis: Redis | Cluster,
    protected readonly rules: StoreRules,
    protected readonly prefix = DEFAULT_KEY_PREFIX,
  ) {
    this.r = redis as ScriptClient;
    redis.on('error', () => {
      // Connection errors surface per command as store_unavailable; ioredis reconnects itself.
    });
    redis.defineCommand('otp_guard', { numberOfKeys: 5, lua: script('guard') });
    redis.defineCommand('otp_hit', { numberOfKeys: 1, lua: script('hit') });
    redis.defineCommand('otp_peek', { numberOfKeys: 1, lua: script('peek') });
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

  protected async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('store_unavailable', 'The verification store is not answering');
    }
  }

  // Provider references live in hashes per provider, day and shard: a field costs half of what
  // a key of its own would, and a day's hash expires whole, so nothing needs sweeping. A
  // report is looked up in the days a reference can still be reported on (REF_DAYS).
  private refKey(provider: string, ref: string, day: number) {
    const shard = createHash('sha1').update(ref).digest('hex').slice(0, 2);
    return `${this.prefix}ref:${provider}:${day}:${shard}`;
  }

  async indexProviderRef(provider: string, ref: string, id: string, attemptIndex: number, poll?: { set: string; at: number }) {
    const day = Math.floor(Date.now() / DAY_MS);
    const key = this.refKey(provider, ref, day);
    // Single-key commands issued together: one write (auto-pipelining), any topology.
    await this.run(() =>
      Promise.all([
        this.r.hset(key, ref, `${id}|${attemptIndex}`),
        this.r.pexpireat(key, (day + REF_DAYS + 1) * DAY_MS),
        poll ? this.r.zadd(`${this.prefix}track:${poll.set}`, poll.at, ref) : undefined,
      ]),
    );
  }

  async findByProviderRef(provider: string, ref: string) {
    const today = Math.floor(Date.now() / DAY_MS);
    const days = Array.from({ length: REF_DAYS + 1 }, (_, i) => today - i);
    const found = await this.run(() => Promise.all(days.map((d) => this.r.hget(this.refKey(provider, ref, d), ref))));
    const v = found.find((x) => x);
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

  async unhit(name: string, member: string) {
    await this.run(() => this.r.zrem(`${this.prefix}lim:${name}`, member));
  }

  async peek(name: string, windowMs: number, now: number) {
    const [count, retryAfterMs] = (await this.run(() =>
      this.r.otp_peek(`${this.prefix}lim:${name}`, windowMs, now),
    )) as unknown as [number, number];
    return { count, retryAfterMs };
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
