import type { CompactRecord } from './record.js';
import { checksFor } from './record.js';
import type { StoreRules } from './types.js';

// The rules of scripts/common.lua for the embedded store, line for line: a phone's document
// and what every step does to it. A model-based test (test/store/rulebook.property.test.ts)
// drives both stores with the same operations and compares every answer.

export interface PhoneDoc {
  v: Record<string, CompactRecord>;
  s: number[];
  f: Record<string, number>;
  r?: [number, number];
}

const FAIL_BUCKETS = 24;

export class Rules {
  readonly failWidth: number;
  constructor(
    readonly h: StoreRules,
    readonly now: number,
  ) {
    this.failWidth = Math.max(Math.floor(h.failureWindowMs / FAIL_BUCKETS), 1);
  }

  /** Drops what no rule needs any more; answers how long the document must live (ms, 0: not at all). */
  prune(doc: PhoneDoc): number {
    const { now, h } = this;
    let keep = 0;
    for (const [nonce, r] of Object.entries(doc.v)) {
      const till = r.a + (r.s === 'p' ? r.x : r.e!) + h.retentionMs;
      if (till <= now) delete doc.v[nonce];
      else keep = Math.max(keep, till - now);
    }
    const span = Math.max(h.sendWindowMs, h.cooldownMs);
    doc.s = doc.s.filter((t) => t > now - span);
    for (const t of doc.s) keep = Math.max(keep, t + span - now);
    const cur = Math.floor(now / this.failWidth);
    for (const b of Object.keys(doc.f)) {
      const bi = Number(b);
      if (bi <= cur - FAIL_BUCKETS) delete doc.f[b];
      else keep = Math.max(keep, (bi + FAIL_BUCKETS) * this.failWidth - now);
    }
    if (doc.r && doc.r[0] !== Math.floor(now / h.robotWindowMs)) delete doc.r;
    if (doc.r) keep = Math.max(keep, (doc.r[0] + 1) * h.robotWindowMs - now);
    return keep;
  }

  finish(r: CompactRecord, status: string, at = this.now) {
    r.s = status;
    r.e = at - r.a;
    delete r.h;
  }

  /** True when this call ended it as expired. */
  refresh(r: CompactRecord): boolean {
    if (r.s === 'p' && this.now >= r.a + r.x) {
      this.finish(r, 'e', r.a + r.x);
      return true;
    }
    return false;
  }

  gone(r: CompactRecord) {
    return r.s !== 'p' && r.a + r.e! + this.h.retentionMs <= this.now;
  }

  failureRefusal(doc: PhoneDoc): { retryAfterMs: number } | undefined {
    if (this.h.failureLimit <= 0) return undefined;
    const cur = Math.floor(this.now / this.failWidth);
    let count = 0;
    let oldest: number | undefined;
    for (const [b, n] of Object.entries(doc.f)) {
      const bi = Number(b);
      if (bi > cur - FAIL_BUCKETS) {
        count += n;
        if (oldest === undefined || bi < oldest) oldest = bi;
      }
    }
    if (count >= this.h.failureLimit) return { retryAfterMs: (oldest! + FAIL_BUCKETS) * this.failWidth - this.now };
    return undefined;
  }

  countFailure(doc: PhoneDoc) {
    const b = String(Math.floor(this.now / this.failWidth));
    doc.f[b] = (doc.f[b] ?? 0) + 1;
  }

  sendRefusal(doc: PhoneDoc, cooldown: boolean) {
    const { now, h } = this;
    let last: number | undefined;
    let first: number | undefined;
    let count = 0;
    for (const t of doc.s) {
      if (last === undefined || t > last) last = t;
      if (t > now - h.sendWindowMs) {
        count++;
        if (first === undefined || t < first) first = t;
      }
    }
    if (cooldown && h.cooldownMs > 0 && last !== undefined && last + h.cooldownMs > now) {
      return { ok: false as const, reason: 'resend_too_soon' as const, retryAfterMs: Math.max(last + h.cooldownMs - now, 1) };
    }
    if (count >= h.sendLimit) {
      return { ok: false as const, reason: 'rate_limited' as const, retryAfterMs: Math.max(first! + h.sendWindowMs - now, 1) };
    }
    return undefined;
  }

  checksFor(channel: string, checks: number) {
    return checksFor(this.h, channel, checks);
  }
}
