import { randomUUID } from 'node:crypto';
import { phoneTag } from '../codes.js';
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

// The zero-settings store: the same operations as the Redis scripts, in process memory.
// Node runs one callback at a time, so each method body is as atomic as a Lua script. One
// process only, and everything is lost on restart: the service warns loudly when it uses it.
// The shared contract suite (test/routes/verifications.test.ts) runs against both stores.

interface Entry<T> {
  value: T;
  expiresAt: number;
}

const ATTEMPT_RANK = { queued: 0, sent: 1, delivered: 2, undelivered: 2, failed: 2 } as const;

export class EmbeddedStore implements VerificationStore {
  readonly kind = 'embedded' as const;
  private readonly records = new Map<string, Entry<StoredVerification>>();
  private readonly pointers = new Map<string, Entry<string>>();
  private readonly logs = new Map<string, Entry<{ member: string; at: number }[]>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly secret: string,
    private readonly clock: () => number = Date.now,
  ) {
    // Expired entries are also ignored on read; the sweep only bounds memory.
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private sweep() {
    const now = this.clock();
    for (const map of [this.records, this.pointers, this.logs] as Map<string, Entry<unknown>>[]) {
      for (const [k, e] of map) if (e.expiresAt <= now) map.delete(k);
    }
  }

  private live<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.clock()) {
      map.delete(key);
      return undefined;
    }
    return e.value;
  }

  private pendingKey(tagOrPhone: { tag: string }, clientId: string) {
    return `p:${tagOrPhone.tag}:${clientId}`;
  }

  private tagOf(record: VerificationRecord) {
    return { tag: phoneTag(this.secret, record.to) };
  }

  private setPointer(key: string, value: string, ttlMs: number) {
    this.pointers.set(key, { value, expiresAt: this.clock() + Math.max(ttlMs, 1) });
  }

  private unpoint(key: string, id: string) {
    if (this.live(this.pointers, key) === id) this.pointers.delete(key);
  }

  private log(key: string, now: number, windowMs: number) {
    const entry = this.logs.get(key);
    const items = entry && entry.expiresAt > this.clock() ? entry.value.filter((i) => i.at > now - windowMs) : [];
    return items;
  }

  private writeLog(key: string, items: { member: string; at: number }[], ttlMs: number) {
    this.logs.set(key, { value: items, expiresAt: this.clock() + Math.max(ttlMs, 1) });
  }

  private finish(s: StoredVerification, status: VerificationStatus, now: number) {
    const rec = s.record;
    rec.status = status;
    rec.endedAt = now;
    delete rec.codeHmac;
    const t = this.tagOf(rec);
    this.unpoint(this.pendingKey(t, rec.clientId), rec.id);
    this.unpoint(`fc:${t.tag}`, rec.id);
    this.records.set(rec.id, { value: s, expiresAt: this.clock() + RETENTION_MS });
  }

  private refresh(s: StoredVerification, now: number) {
    if (s.record.status === 'pending' && now >= s.record.expiresAt) this.finish(s, 'expired', now);
  }

  private sendRefusal(tag: string, now: number, l: SendLimits) {
    if (l.limit <= 0) return undefined;
    const items = this.log(`s:${tag}`, now, Math.max(l.windowMs, l.cooldownMs));
    this.writeLog(`s:${tag}`, items, Math.max(l.windowMs, l.cooldownMs, 1000));
    const last = items.reduce((m, i) => Math.max(m, i.at), -Infinity);
    if (l.cooldownMs > 0 && last + l.cooldownMs > now) {
      return { ok: false as const, reason: 'resend_too_soon' as const, retryAfterMs: Math.max(last + l.cooldownMs - now, 1) };
    }
    const inWindow = items.filter((i) => i.at >= now - l.windowMs);
    if (inWindow.length >= l.limit) {
      const first = Math.min(...inWindow.map((i) => i.at));
      return { ok: false as const, reason: 'rate_limited' as const, retryAfterMs: Math.max(first + l.windowMs - now, 1) };
    }
    return undefined;
  }

  private recordSend(tag: string, now: number, member: string, windowMs: number, cooldownMs: number) {
    const key = `s:${tag}`;
    const items = this.live(this.logs, key) ?? [];
    items.push({ member, at: now });
    this.writeLog(key, items, Math.max(windowMs, cooldownMs, 1000));
  }

  private failureRefusal(tag: string, now: number, f: FailureLimit) {
    if (f.limit <= 0) return undefined;
    const items = this.log(`f:${tag}`, now, f.windowMs);
    if (items.length >= f.limit) {
      return { retryAfterMs: Math.max(Math.min(...items.map((i) => i.at)) + f.windowMs - now, 1) };
    }
    return undefined;
  }

  private indexFlash(rec: VerificationRecord, now: number) {
    const key = `fc:${this.tagOf(rec).tag}`;
    if (rec.channel === 'flash_call') this.setPointer(key, rec.id, rec.expiresAt - now);
    else this.unpoint(key, rec.id);
  }

  async create(
    record: VerificationRecord,
    metadata: Record<string, unknown>,
    limits: SendLimits,
    failures: FailureLimit,
    now: number,
  ) {
    const t = this.tagOf(record);
    const failed = this.failureRefusal(t.tag, now, failures);
    if (failed) return { ok: false as const, reason: 'rate_limited' as const, retryAfterMs: failed.retryAfterMs };
    const refused = this.sendRefusal(t.tag, now, limits);
    if (refused) return refused;

    let supersededId: string | undefined;
    const oldId = this.live(this.pointers, this.pendingKey(t, record.clientId));
    const old = oldId ? this.live(this.records, oldId) : undefined;
    if (old && old.record.status === 'pending') {
      this.finish(old, 'canceled', now);
      supersededId = old.record.id;
    }
    const rec = structuredClone(record);
    this.records.set(rec.id, {
      value: { record: rec, metadata: structuredClone(metadata) },
      expiresAt: this.clock() + rec.expiresAt - now + RETENTION_MS,
    });
    this.setPointer(this.pendingKey(t, rec.clientId), rec.id, rec.expiresAt - now);
    this.indexFlash(rec, now);
    if (limits.limit > 0) this.recordSend(t.tag, now, `${rec.id}:${rec.gen}`, limits.windowMs, limits.cooldownMs);
    return { ok: true as const, value: { record: structuredClone(rec), supersededId } };
  }

  async get(id: string) {
    const s = this.live(this.records, id);
    return s ? structuredClone(s) : undefined;
  }

  async pendingId(clientId: string, e164: string) {
    return this.live(this.pointers, this.pendingKey({ tag: phoneTag(this.secret, e164) }, clientId));
  }

  async flashCallId(e164: string) {
    return this.live(this.pointers, `fc:${phoneTag(this.secret, e164)}`);
  }

  private owned(id: string, clientId: string) {
    const s = this.live(this.records, id);
    return s && s.record.clientId === clientId ? s : undefined;
  }

  async checkBegin(id: string, clientId: string, failures: FailureLimit, now: number): Promise<CheckBegin> {
    const s = this.owned(id, clientId);
    if (!s) return { kind: 'not_found' };
    this.refresh(s, now);
    const rec = s.record;
    if (rec.status !== 'pending') return { kind: 'not_pending', status: rec.status };
    const failed = this.failureRefusal(this.tagOf(rec).tag, now, failures);
    if (failed) return { kind: 'rate_limited', retryAfterMs: failed.retryAfterMs };
    if (rec.checks >= rec.maxChecks) return { kind: 'exhausted', record: structuredClone(rec) };
    rec.checks += 1;
    rec.inflight = (rec.inflight ?? 0) + 1;
    return { kind: 'ok', record: structuredClone(rec) };
  }

  async checkSettle(
    id: string,
    clientId: string,
    gen: number,
    match: boolean,
    failures: FailureLimit,
    now: number,
  ): Promise<CheckSettle> {
    const s = this.owned(id, clientId);
    if (!s) return { kind: 'not_found' };
    const rec = s.record;
    rec.inflight = Math.max((rec.inflight ?? 1) - 1, 0);
    if (match && rec.status === 'pending' && rec.gen === gen) {
      this.finish(s, 'approved', now);
      return { kind: 'approved', record: structuredClone(rec) };
    }
    if (match && rec.status !== 'pending') return { kind: 'not_pending', record: structuredClone(rec) };
    const key = `f:${this.tagOf(rec).tag}`;
    const items = this.log(key, now, failures.windowMs);
    items.push({ member: randomUUID(), at: now });
    this.writeLog(key, items, failures.windowMs);
    if (rec.status === 'pending' && rec.checks >= rec.maxChecks && rec.inflight === 0) this.finish(s, 'max_attempts_reached', now);
    return { kind: 'wrong', record: structuredClone(rec) };
  }

  async newCode(
    id: string,
    clientId: string,
    code: NewCode,
    how: { mode: 'resend'; limits: SendLimits } | { mode: 'advance'; expectedStep: number },
    now: number,
  ) {
    const s = this.owned(id, clientId);
    if (!s) return { ok: false as const, reason: 'not_found' as const };
    this.refresh(s, now);
    const rec = s.record;
    if (rec.status !== 'pending') return { ok: false as const, reason: 'not_pending' as const, status: rec.status };
    const t = this.tagOf(rec);
    if (how.mode === 'advance') {
      if (rec.step !== how.expectedStep) return { ok: false as const, reason: 'stale' as const };
      rec.step += 1;
    } else {
      if (rec.sends >= rec.maxSends) return { ok: false as const, reason: 'max_sends_reached' as const };
      const refused = this.sendRefusal(t.tag, now, how.limits);
      if (refused) return refused;
    }
    rec.gen += 1;
    rec.sends += 1;
    rec.channel = code.channel;
    rec.expiresAt = code.expiresAt;
    rec.codeLength = code.codeLength;
    if (code.codeHmac) rec.codeHmac = code.codeHmac;
    else delete rec.codeHmac;
    rec.attempts.push({ channel: code.channel, provider: code.provider, status: 'queued', at: now });
    this.records.set(rec.id, { value: s, expiresAt: this.clock() + rec.expiresAt - now + RETENTION_MS });
    this.setPointer(this.pendingKey(t, rec.clientId), rec.id, rec.expiresAt - now);
    this.indexFlash(rec, now);
    const limits = how.mode === 'resend' ? how.limits : { limit: 0, windowMs: 1000, cooldownMs: 0 };
    if (limits.limit > 0 || how.mode === 'advance') {
      this.recordSend(t.tag, now, `${rec.id}:${rec.gen}`, Math.max(limits.windowMs, 1000), limits.cooldownMs);
    }
    return { ok: true as const, value: structuredClone(rec) };
  }

  async recordDelivery(id: string, clientId: string, attemptIndex: number, u: DeliveryUpdate, now: number) {
    const s = this.owned(id, clientId);
    const attempt = s?.record.attempts[attemptIndex];
    if (!s || !attempt) return undefined;
    const rec = s.record;
    const current = ATTEMPT_RANK[attempt.status];
    if (current < 2 && ATTEMPT_RANK[u.status] > current) attempt.status = u.status;
    if (u.providerRef) attempt.providerRef = u.providerRef;
    if (u.codeHmac && rec.status === 'pending' && rec.gen === u.gen) rec.codeHmac = u.codeHmac;
    if (u.failVerification && rec.status === 'pending') this.finish(s, 'failed', now);
    return structuredClone(rec);
  }

  async cancel(id: string, clientId: string, now: number) {
    const s = this.owned(id, clientId);
    if (!s) return { ok: false as const, reason: 'not_found' as const };
    this.refresh(s, now);
    if (s.record.status !== 'pending') return { ok: false as const, reason: 'not_pending' as const, status: s.record.status };
    this.finish(s, 'canceled', now);
    return { ok: true as const, value: structuredClone(s.record) };
  }

  async indexProviderRef(provider: string, ref: string, id: string, attemptIndex: number) {
    this.setPointer(`ref:${provider}:${ref}`, `${id}|${attemptIndex}`, RETENTION_MS * 3);
  }

  async findByProviderRef(provider: string, ref: string) {
    const v = this.live(this.pointers, `ref:${provider}:${ref}`);
    if (!v) return undefined;
    const [id, idx] = v.split('|');
    return { id, attemptIndex: Number(idx) };
  }

  private readonly idem = new Map<string, Entry<IdempotencyEntry>>();

  async idempotencyBegin(clientId: string, key: string, bodyHash: string, ttlMs: number): Promise<IdempotencyBegin> {
    const k = `${clientId}\x00${key}`;
    const entry = this.live(this.idem, k);
    if (!entry) {
      this.idem.set(k, { value: { bodyHash }, expiresAt: this.clock() + ttlMs });
      return { state: 'new' };
    }
    return idempotencyState(structuredClone(entry), bodyHash);
  }

  async idempotencyComplete(clientId: string, key: string, entry: IdempotencyEntry, ttlMs: number) {
    this.idem.set(`${clientId}\x00${key}`, { value: structuredClone(entry), expiresAt: this.clock() + ttlMs });
  }

  async idempotencyAbort(clientId: string, key: string) {
    this.idem.delete(`${clientId}\x00${key}`);
  }

  async hit(name: string, limit: number, windowMs: number, member: string, now: number): Promise<WindowHit> {
    const key = `lim:${name}`;
    const items = this.log(key, now, windowMs);
    if (items.length >= limit) {
      const first = items.reduce((m, i) => Math.min(m, i.at), Infinity);
      return { allowed: false, count: items.length, retryAfterMs: Math.max(first + windowMs - now, 1) };
    }
    items.push({ member, at: now });
    this.writeLog(key, items, windowMs);
    return { allowed: true, count: items.length, retryAfterMs: 0 };
  }

  async peek(name: string, windowMs: number, now: number) {
    const items = this.log(`lim:${name}`, now, windowMs);
    if (items.length === 0) return { count: 0, retryAfterMs: 0 };
    const first = items.reduce((m, i) => Math.min(m, i.at), Infinity);
    return { count: items.length, retryAfterMs: Math.max(first + windowMs - now, 1) };
  }

  async unhit(name: string, member: string) {
    const e = this.logs.get(`lim:${name}`);
    if (e) e.value = e.value.filter((i) => i.member !== member);
  }

  private readonly tracked = new Map<string, Map<string, number>>();

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
