import { idFor, parseId } from '../codes.js';
import { EmbeddedKeyspace, type Entry } from './embedded-keyspace.js';
import { Rules, type PhoneDoc } from './embedded-rules.js';
import { AT, CH, compactOf, metadataOf, recordOf, type CompactRecord } from './record.js';
import type {
  BeginSendResult,
  CheckResult,
  CreateResult,
  DeliveryUpdate,
  NewVerification,
  NotThere,
  SendPlan,
  StoreRules,
  VerificationStore,
} from './types.js';

// The zero-settings store: the Redis scripts' rules (embedded-rules.ts) over the same phone
// documents, in process memory. Node runs one callback at a time, so each method body is as
// atomic as a Lua script. One process only, lost on restart: the service warns loudly.

const ATTEMPT_RANK: Record<string, number> = { q: 0, s: 1, d: 2, u: 2, f: 2 };
const SWEEP_MS = 60_000;

export class EmbeddedStore extends EmbeddedKeyspace implements VerificationStore {
  readonly kind = 'embedded' as const;
  private readonly docs = new Map<string, Entry<PhoneDoc>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly secret: string,
    rules: StoreRules,
    clock: () => number = Date.now,
  ) {
    super(rules, clock);
    // Expired entries are also ignored on read; the sweep bounds memory.
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Drops everything past its life: documents, references, idempotency entries, counters, tracking. */
  sweep() {
    const now = this.clock();
    for (const [k, e] of this.docs) if (e.expiresAt <= now) this.docs.delete(k);
    this.sweepKeyspace(now);
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

  /** A step on a pending verification (of `clientId`, when given); not_found / not_pending otherwise. */
  private async pending<T>(
    id: string,
    clientId: string | undefined,
    now: number,
    fn: (r: CompactRecord, doc: PhoneDoc, rules: Rules, save: () => void) => T,
  ): Promise<T | NotThere> {
    const p = parseId(this.secret, id);
    if (!p) return { ok: false, reason: 'not_found' };
    return this.step(p.tag, now, (doc, rules, save) => {
      const r = doc.v[p.nonce];
      if (!r || (clientId !== undefined && r.c !== clientId)) return { ok: false, reason: 'not_found' } as const;
      const expired = rules.refresh(r);
      if (r.s !== 'p') return this.notThere(id, r, rules, expired, save);
      return fn(r, doc, rules, save);
    });
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
        if (rules.refresh(r)) {
          if (!rules.gone(r)) result.expired.push(this.out(idFor(this.secret, tag, n), r));
        } else {
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
    return this.pending(id, mode === 'lookup' ? undefined : clientId, now, (r, doc, rules, save): CheckResult => {
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
    return this.pending(id, clientId === '' ? undefined : clientId, now, (r, doc, rules, save): BeginSendResult => {
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
    return this.pending(id, clientId, now, (r, _doc, rules, save) => {
      rules.finish(r, 'c');
      save();
      return { ok: true as const, ...this.out(id, r) };
    });
  }

  async ping() {}

  async close() {
    clearInterval(this.sweeper);
  }
}
