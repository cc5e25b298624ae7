import { ipBudgetKey } from './services/abuse-guard.js';

// Failed authentications per source address (the socket's peer: X-Forwarded-For is never
// trusted), counted in fixed one-minute windows in this process. Past AUTH_FAILURE_LIMIT an
// address is refused with 429 before its key is even looked at, until the window ends, so
// guessing keys costs a minute per burst. Per instance on purpose: it guards this process's
// CPU and needs no round trip; with N instances an address gets N bursts per minute, still
// nothing against secrets of 32+ characters.

const WINDOW_MS = 60_000;
/** Distinct addresses remembered per window; past it, new ones share one bucket. */
const MAX_ADDRESSES = 100_000;
const OVERFLOW = 'overflow';

export class AuthFailureThrottle {
  private windowStart = 0;
  private failures = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  private roll(): number {
    const t = this.now();
    const start = t - (t % WINDOW_MS);
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.failures = new Map();
    }
    return t;
  }

  /** Seconds until `address` may try again, or 0 when it may try now. */
  retryAfter(address: string): number {
    const t = this.roll();
    // Usually nobody failed this minute: no need to parse the address (~1 % of a request).
    if (this.failures.size === 0) return 0;
    const n = this.failures.get(keyOf(address)) ?? 0;
    return n >= this.limit ? Math.max(1, Math.ceil((this.windowStart + WINDOW_MS - t) / 1000)) : 0;
  }

  /** Counts a failure; true when the address has now used up its burst. */
  fail(address: string): boolean {
    this.roll();
    let key = keyOf(address);
    if (!this.failures.has(key) && this.failures.size >= MAX_ADDRESSES) key = OVERFLOW;
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    return n >= this.limit;
  }
}

/** IPv4 by address, IPv6 by /64 (one subscriber's usual allocation). */
function keyOf(address: string): string {
  try {
    return ipBudgetKey(address);
  } catch {
    return address.slice(0, 64);
  }
}
