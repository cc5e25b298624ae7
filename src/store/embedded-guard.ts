import type { GuardResult, GuardSend } from './types.js';

// scripts/guard.lua for the embedded store: the same fixed-bucket counters and block markers.

const N = 60;
const HOUR = 3_600_000;

interface Counter {
  buckets: Map<number, number>;
  expiresAt: number;
}

export class EmbeddedGuard {
  private readonly counters = new Map<string, Counter>();
  private readonly blocks = new Map<string, number>();

  private width = (window: number) => Math.max(Math.ceil(window / N), 1);

  private count(key: string, window: number, now: number): [number, number] {
    const w = this.width(window);
    const cur = Math.floor(now / w);
    const c = this.counters.get(key);
    let total = 0;
    let oldest: number | undefined;
    for (const [b, n] of c?.buckets ?? []) {
      if (b <= cur - N) c!.buckets.delete(b);
      else {
        total += n;
        if (oldest === undefined || b < oldest) oldest = b;
      }
    }
    return [total, oldest === undefined ? 0 : (oldest + N) * w - now];
  }

  private add(key: string, window: number, now: number, delta: number) {
    const w = this.width(window);
    const b = Math.floor(now / w);
    const c = this.counters.get(key) ?? { buckets: new Map<number, number>(), expiresAt: 0 };
    const v = (c.buckets.get(b) ?? 0) + delta;
    if (v <= 0) c.buckets.delete(b);
    else c.buckets.set(b, v);
    c.expiresAt = (b + N + 1) * w;
    this.counters.set(key, c);
  }

  apply(send: GuardSend, now: number, delta: number) {
    if (send.global) this.add('gl', HOUR, now, delta);
    if (send.ip) this.add(`ip:${send.ip.tag}`, send.ip.windowMs, now, delta);
    if (send.pumping) this.add(`ps:${send.pumping.prefix}`, send.pumping.blockMs, now, delta);
  }

  approve(prefix: string, blockMs: number, now: number) {
    this.add(`pa:${prefix}`, blockMs, now, 1);
  }

  take(send: GuardSend, now: number): GuardResult {
    const p = send.pumping;
    if (p) {
      const until = this.blocks.get(p.prefix) ?? 0;
      if (until > now) return { ok: false, reason: 'blocked', retryAfterMs: until - now };
    }
    if (send.global) {
      const [n, retry] = this.count('gl', HOUR, now);
      if (n >= send.global.limit) return { ok: false, reason: 'global', retryAfterMs: Math.max(retry, 1) };
    }
    if (send.ip) {
      const [n, retry] = this.count(`ip:${send.ip.tag}`, send.ip.windowMs, now);
      if (n >= send.ip.limit) return { ok: false, reason: 'ip', retryAfterMs: Math.max(retry, 1) };
    }
    if (p) {
      const [sends] = this.count(`ps:${p.prefix}`, p.blockMs, now);
      if (sends >= p.minSends) {
        const [approvals] = this.count(`pa:${p.prefix}`, p.blockMs, now);
        if (approvals / sends < p.minConversion) {
          this.blocks.set(p.prefix, now + p.blockMs);
          return { ok: false, reason: 'blocked', retryAfterMs: p.blockMs, started: { sends, approvals } };
        }
      }
    }
    this.apply(send, now, 1);
    return { ok: true };
  }

  sweep(now: number) {
    for (const [k, c] of this.counters) if (c.expiresAt <= now) this.counters.delete(k);
    for (const [k, until] of this.blocks) if (until <= now) this.blocks.delete(k);
  }
}
