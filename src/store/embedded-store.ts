import { idFor, parseId } from '../codes.js';
import { EmbeddedGuard } from './embedded-guard.js';
import { Rules, type PhoneDoc } from './embedded-rules.js';
import { AT, CH, compactOf, metadataOf, recordOf, type CompactRecord } from './record.js';
import {
  idempotencyState,
  type BeginSendResult,
  type CheckResult,
  type CreateResult,
  type DeliveryUpdate,
  type GuardSend,
  type IdempotencyEntry,
  type NewVerification,
  type NotThere,
  type SendPlan,
  type StoreRules,
  type VerificationStore,
} from './types.js';

// The zero-settings store: the Redis scripts' rules (embedded-rules.ts) over the same phone
// documents, in process memory. Node runs one callback at a time, so each method body is as
// atomic as a Lua script. One process only, lost on restart: the service warns loudly.

interface Entry<T> {
  value: T;
  expiresAt: number;
}

const ATTEMPT_RANK: Record<string, number> = { q: 0, s: 1, d: 2, u: 2, f: 2 };
const SWEEP_MS = 60_000;

export class EmbeddedStore implements VerificationStore {
  readonly kind = 'embedded' as const;
  private readonly docs = new Map<string, Entry<PhoneDoc>>();
  private readonly refs = new Map<string, Entry<string>>();
  private readonly idem = new Map<string, Entry<IdempotencyEntry>>();
  private readonly locks = new Map<string, Entry<string>>();
  private readonly tracked = new Map<string, Map<string, number>>();
  private readonly guard = new EmbeddedGuard();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly secret: string,
    private readonly rules: StoreRules,
    private readonly clock: () => number = Date.now,
  ) {
    // Expired entries are also ignored on read; the sweep bounds memory.
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Drops everything past its life: documents, references, idempotency entries, counters, tracking. */
  sweep() {
    const now = this.clock();
    for (const map of [this.docs, this.refs, this.idem, this.locks] as Map<string, Entry<unknown>>[]) {
      for (const [k, e] of map) if (e.expiresAt <= now) map.delete(k);
    }
    this.guard.sweep(now);
    // A reference nobody reported on is dropped with its index (the pollers' horizon is 2 days).
    const horizon = now - this.rules.retentionMs * 3;
    for (const set of this.tracked.values()) for (const [m, at] of set) if (at < horizon) set.delete(m);
  }

  private live<T>(map: Map<string, Entry<T>>, key: string, now: number): T | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      map.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Runs one step on a phone's document (a deep copy, as a script works on a decoded one). */
  private step<T>(tag: string, now: number, fn: (doc: PhoneDoc, rules: Rules, save: () => void) => T): T {
    const stored = this.live(this.docs, tag, now);
    const doc: PhoneDoc = stored ? structuredClone(stored) : { v: {}, s: [], f: {} };
    const rules = new Rules(this.rules, now);
    const save = () => {
      const keep = rules.prune(doc);
      if (keep <= 0) this.docs.delete(tag);
      else this.docs.set(tag, { value: doc, expiresAt: now + keep });
    };
    return fn(doc, rules, save);
  }

  private out(id: string, r: CompactRecord) {
    return { record: recordOf(id, structuredClone(r), this.rules), metadata: metadataOf(r) };
  }

  private notThere(id: string, r: CompactRecord, rules: Rules, expired: boolean, save: () => void): NotThere {
    if (expired) save();
    if (rules.gone(r)) return { ok: false, reason: 'not_found' };
    const s = this.out(id, r);
    return { ok: false, reason: 'not_pending', status: s.record.status, expired, ...s };
  }

  async create(v: NewVerification, now: number): Promise<CreateResult> {
    const { tag, nonce } = parseId(this.secret, v.id)!;
    return this.step(tag, now, (doc, rules, save) => {
      const failed = rules.failureRefusal(doc);
      if (failed) return { ok: false, reason: 'rate_limited', retryAfterMs: Math.max(failed.retryAfterMs, 1) };
      const refused = v.unlimited ? undefined : rules.sendRefusal(doc, true);
      if (refused) return refused;
      const rec = compactOf(v, this.rules, now);
      const result: CreateResult & { ok: true } = { ok: true, record: recordOf(v.id, structuredClone(rec), this.rules), expired: [] };
      for (const [n, r] of Object.entries(doc.v)) {
        if (r.c !== rec.c || r.s !== 'p') continue;
        if (rules.refresh(r)) result.expired.push(this.out(idFor(this.secret, tag, n), r));
        else {
          rules.finish(r, 'c');
          result.superseded = this.out(idFor(this.secret, tag, n), r);
        }
      }
      doc.v[nonce] = rec;
      if (!v.unlimited) doc.s.push(now);
      save();
      return result;
    });
  }

  async read(id: string, now: number) {
    const p = parseId(this.secret, id);
    if (!p) return undefined;
    return this.step(p.tag, now, (doc, rules, save) => {
      const r = doc.v[p.nonce];
      if (!r) return undefined;
      const expired = rules.refresh(r);
      if (expired) save();
      if (rules.gone(r)) return undefined;
      return { ...this.out(id, r), expired };
    });
  }

  async pendingId(clientId: string, tag: string, now: number) {
    const doc = this.live(this.docs, tag, now);
    const found = Object.entries(doc?.v ?? {}).find(([, r]) => r.s === 'p' && now < r.a + r.x && r.c === clientId);
    return found ? idFor(this.secret, tag, found[0]) : undefined;
  }

  async flashCallId(tag: string, now: number) {
    return this.step(tag, now, (doc, _rules, save) => {
      let found: string | undefined;
      let latest = -1;
      for (const [n, r] of Object.entries(doc.v)) {
        if (r.s === 'p' && now < r.a + r.x && r.u >= 0 && r.A[r.u][0] === 'f' && r.a > latest) [found, latest] = [n, r.a];
      }
      if (found) return { id: idFor(this.secret, tag, found), limited: false };
      const bucket = Math.floor(now / this.rules.robotWindowMs);
      if (!doc.r || doc.r[0] !== bucket) doc.r = [bucket, 0];
      if (doc.r[1] >= this.rules.robotLimit) return { limited: true };
      doc.r[1] += 1;
      save();
      return { limited: false };
    });
  }

  async check(id: string, clientId: string, guess: { hmac: string; length: number }, mode: 'check' | 'lookup', now: number): Promise<CheckResult> {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false, reason: 'not_found' };
    return this.step(p.tag, now, (doc, rules, save): CheckResult => {
      const r = doc.v[p.nonce];
      if (!r || (mode !== 'lookup' && r.c !== clientId)) return { ok: false, reason: 'not_found' };
      const expired = rules.refresh(r);
      if (r.s !== 'p') return this.notThere(id, r, rules, expired, save);
      if (r.n !== guess.length) return { ok: false, reason: 'bad_length', codeLength: r.n };
      const failed = rules.failureRefusal(doc);
      if (failed) return { ok: false, reason: 'rate_limited', retryAfterMs: Math.max(failed.retryAfterMs, 1) };
      const match = r.h !== undefined && r.h === guess.hmac;
      if (match && mode === 'lookup') return { ok: true, outcome: 'match', ...this.out(id, r) };
      r.k += 1;
      if (match) {
        rules.finish(r, 'a');
        save();
        return { ok: true, outcome: 'approved', ...this.out(id, r) };
      }
      rules.countFailure(doc);
      if (r.k >= r.m) rules.finish(r, 'm');
      save();
      return { ok: true, outcome: 'wrong', ...this.out(id, r) };
    });
  }

  async beginSend(id: string, clientId: string, plan: SendPlan, now: number): Promise<BeginSendResult> {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false, reason: 'not_found' };
    return this.step(p.tag, now, (doc, rules, save): BeginSendResult => {
      const r = doc.v[p.nonce];
      if (!r || (clientId !== '' && r.c !== clientId)) return { ok: false, reason: 'not_found' };
      const expired = rules.refresh(r);
      if (r.s !== 'p') return this.notThere(id, r, rules, expired, save);
      if (plan.mode === 'advance') {
        if ((r.w ?? 0) !== (plan.fromStep ?? -1)) return { ok: false, reason: 'stale' };
        const refused = plan.unlimited ? undefined : rules.sendRefusal(doc, false);
        if (refused) return refused;
        r.w = plan.toStep ?? (r.w ?? 0) + 1;
      } else {
        if (r.A.length >= this.rules.maxSends) return { ok: false, reason: 'max_sends_reached' };
        const refused = plan.unlimited ? undefined : rules.sendRefusal(doc, true);
        if (refused) return refused;
      }
      r.A.push([CH.short[plan.channel], plan.provider, 'q', '', now - r.a]);
      if (!plan.unlimited) doc.s.push(now);
      save();
      return { ok: true, ...this.out(id, r), attemptIndex: r.A.length - 1 };
    });
  }

  async applyDelivery(id: string, attemptIndex: number, u: DeliveryUpdate, now: number) {
    const p = parseId(this.secret, id);
    if (!p) return undefined;
    return this.step(p.tag, now, (doc, rules, save) => {
      const r = doc.v[p.nonce];
      const a = r?.A[attemptIndex];
      if (!r || !a) return undefined;
      const expired = rules.refresh(r);
      if (rules.gone(r)) return undefined;
      let changed = false;
      let committed = false;
      let failed = false;
      const status = AT.short[u.status];
      if (ATTEMPT_RANK[a[2]] < 2 && ATTEMPT_RANK[status] > ATTEMPT_RANK[a[2]]) {
        a[2] = status;
        changed = true;
      }
      if (u.providerRef) a[3] = u.providerRef;
      if (u.provider) a[1] = u.provider;
      if (u.code && r.s === 'p' && attemptIndex > r.u) {
        r.h = u.code.hmac;
        r.u = attemptIndex;
        r.n = u.code.length;
        r.x = u.code.expiresAt - r.a;
        r.m = rules.checksFor(a[0], r.k);
        committed = true;
      }
      if (u.failVerification && r.s === 'p') {
        rules.finish(r, 'f');
        failed = true;
      }
      save();
      return { ...this.out(id, r), changed, committed, failed, expired };
    });
  }

  async cancel(id: string, clientId: string, now: number) {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false as const, reason: 'not_found' as const };
    return this.step(p.tag, now, (doc, rules, save) => {
      const r = doc.v[p.nonce];
      if (!r || r.c !== clientId) return { ok: false as const, reason: 'not_found' as const };
      const expired = rules.refresh(r);
      if (r.s !== 'p') return this.notThere(id, r, rules, expired, save);
      rules.finish(r, 'c');
      save();
      return { ok: true as const, ...this.out(id, r) };
    });
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

  async hit(name: string, limit: number, windowMs: number, member: string, now: number) {
    // Only pollers' locks use this: limit 1, one holder per window.
    const holder = this.live(this.locks, name, now);
    if (holder !== undefined || limit < 1) return { allowed: false, count: 1, retryAfterMs: windowMs };
    this.locks.set(name, { value: member, expiresAt: now + windowMs });
    return { allowed: true, count: 1, retryAfterMs: 0 };
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

  async ping() {}

  async close() {
    clearInterval(this.sweeper);
  }
}
