import { EmbeddedGuard } from './embedded-guard.js';
import { idempotencyState, type GuardSend, type IdempotencyEntry, type StoreRules } from './types.js';

// Everything of the embedded store besides the verifications themselves: provider
// references, Idempotency-Key entries, sliding windows (pollers' locks), tracking sets and the
// guard's counters,
// each dropped by the sweep once past its life.

export interface Entry<T> {
  value: T;
  expiresAt: number;
}

export class EmbeddedKeyspace {
  private readonly refs = new Map<string, Entry<string>>();
  private readonly idem = new Map<string, Entry<IdempotencyEntry>>();
  private readonly windows = new Map<string, Entry<{ member: string; at: number }[]>>();
  private readonly tracked = new Map<string, Map<string, number>>();
  private readonly guard = new EmbeddedGuard();

  constructor(
    protected readonly rules: StoreRules,
    protected readonly clock: () => number,
  ) {}

  /** Drops references, idempotency entries, locks, counters and tracked members past their life. */
  protected sweepKeyspace(now: number) {
    for (const map of [this.refs, this.idem, this.windows] as Map<string, Entry<unknown>>[]) {
      for (const [k, e] of map) if (e.expiresAt <= now) map.delete(k);
    }
    this.guard.sweep(now);
    // A reference nobody reported on is dropped with its index (the pollers' horizon is 2 days).
    const horizon = now - this.rules.retentionMs * 3;
    for (const set of this.tracked.values()) for (const [m, at] of set) if (at < horizon) set.delete(m);
  }

  protected live<T>(map: Map<string, Entry<T>>, key: string, now: number): T | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      map.delete(key);
      return undefined;
    }
    return e.value;
  }

  async indexProviderRef(provider: string, ref: string, id: string, attemptIndex: number, poll?: { set: string; at: number }) {
    this.refs.set(`${provider}:${ref}`, { value: `${id}|${attemptIndex}`, expiresAt: this.clock() + this.rules.retentionMs * 3 });
    if (poll) await this.trackAdd(poll.set, ref, poll.at);
  }

  async findByProviderRef(provider: string, ref: string) {
    const v = this.live(this.refs, `${provider}:${ref}`, this.clock());
    if (!v) return undefined;
    const [id, idx] = v.split('|');
    return { id, attemptIndex: Number(idx) };
  }

  async idempotencyBegin(clientId: string, key: string, bodyHash: string, leaseMs: number) {
    const k = `${clientId}\x00${key}`;
    const entry = this.live(this.idem, k, this.clock());
    if (!entry) {
      this.idem.set(k, { value: { bodyHash }, expiresAt: this.clock() + leaseMs });
      return { state: 'new' as const };
    }
    return idempotencyState(structuredClone(entry), bodyHash);
  }

  async idempotencyComplete(clientId: string, key: string, entry: IdempotencyEntry, ttlMs: number) {
    this.idem.set(`${clientId}\x00${key}`, { value: structuredClone(entry), expiresAt: this.clock() + ttlMs });
  }

  async idempotencyAbort(clientId: string, key: string) {
    this.idem.delete(`${clientId}\x00${key}`);
  }

  async guardTake(send: GuardSend, now: number) {
    return this.guard.take(send, now);
  }

  async guardRelease(send: GuardSend, takenAt: number) {
    this.guard.apply(send, takenAt, -1);
  }

  async guardApproval(prefix: string, blockMs: number, now: number) {
    this.guard.approve(prefix, blockMs, now);
  }

  /** Members of a sliding window still inside it (as scripts/hit.lua keeps them). */
  private window(name: string, windowMs: number, now: number) {
    return (this.live(this.windows, name, now) ?? []).filter((i) => i.at > now - windowMs);
  }

  async hit(name: string, limit: number, windowMs: number, member: string, now: number) {
    const items = this.window(name, windowMs, now);
    if (items.length >= limit) {
      const first = items.reduce((m, i) => Math.min(m, i.at), Infinity);
      return { allowed: false, count: items.length, retryAfterMs: Math.max(first + windowMs - now, 1) };
    }
    items.push({ member, at: now });
    this.windows.set(name, { value: items, expiresAt: now + windowMs });
    return { allowed: true, count: items.length, retryAfterMs: 0 };
  }

  async unhit(name: string, member: string) {
    const e = this.windows.get(name);
    if (e) e.value = e.value.filter((i) => i.member !== member);
  }

  async peek(name: string, windowMs: number, now: number) {
    const items = this.window(name, windowMs, now);
    if (items.length === 0) return { count: 0, retryAfterMs: 0 };
    const first = items.reduce((m, i) => Math.min(m, i.at), Infinity);
    return { count: items.length, retryAfterMs: Math.max(first + windowMs - now, 1) };
  }

  async trackAdd(name: string, member: string, at: number) {
    const set = this.tracked.get(name) ?? new Map<string, number>();
    set.set(member, at);
    this.tracked.set(name, set);
  }

  async trackDue(name: string, until: number, limit: number) {
    return [...(this.tracked.get(name) ?? new Map<string, number>())]
      .filter(([, at]) => at <= until)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([member, at]) => ({ member, at }));
  }

  async trackRemove(name: string, members: string[]) {
    for (const m of members) this.tracked.get(name)?.delete(m);
  }

}
