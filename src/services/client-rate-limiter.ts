// CLIENT_RATE_LIMIT: requests per API client per minute, without a Redis round trip per
// request. Windows are the wall-clock minutes, so every instance agrees on them without
// talking. Each instance decides at once from what it knows: the shared count Redis last
// answered plus its own requests not yet added there. Those are added in one INCRBY per
// client per sync interval (SYNC_MS), whose answer brings the other instances' requests in.
//
// The approximation, accepted for not paying a round trip on every request: one instance
// counts exactly; N instances together may admit up to what the others admitted in the
// last sync interval (~SYNC_MS plus a round trip) beyond the limit. At 600 a minute that is
// a request or two; the limit guards capacity, not secrets (auth and the send budgets are
// exact). Redis away: each instance keeps counting its own requests and lets them through
// up to the limit (the requests themselves are answered 503 by the store).

import type { Cluster, Redis } from 'ioredis';

const WINDOW_MS = 60_000;
const SYNC_MS = 100;

/** Adds `n` to the shared counter `key` (expiring after `ttlMs`); answers its new total. */
export type SharedCounter = (key: string, n: number, ttlMs: number) => Promise<number>;

/** The shared counter on Redis (any topology: one key per client and minute). */
export const redisCounter =
  (client: Redis | Cluster): SharedCounter =>
  async (key, n, ttlMs) => {
    // One atomic step: a counter never outlives its window.
    const res = await client.multi().incrby(key, n).pexpire(key, ttlMs).exec();
    const [err, total] = res?.[0] ?? [new Error('transaction discarded')];
    if (err) throw err;
    return Number(total);
  };

export interface Taken {
  allowed: boolean;
  /** What the X-RateLimit-* headers say: the requests left, and seconds until the minute ends. */
  remaining: number;
  resetSeconds: number;
}

interface Count {
  /** The shared total as this instance knows it (this instance's synced requests included). */
  shared: number;
  /** This instance's admitted requests not yet added to the shared counter. */
  unsent: number;
}

export class ClientRateLimiter {
  private window = -1;
  private counts = new Map<string, Count>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly limit: number,
    /** Absent: this instance alone (the embedded store). */
    private readonly counter?: SharedCounter,
    private readonly opts: { now?: () => number; syncMs?: number; key?: (client: string, window: number) => string } = {},
  ) {}

  /** Counts one request of `client` when it is allowed. */
  take(client: string): Taken {
    const now = (this.opts.now ?? Date.now)();
    const window = Math.floor(now / WINDOW_MS);
    if (window !== this.window) {
      this.window = window;
      this.counts = new Map();
    }
    let c = this.counts.get(client);
    if (!c) this.counts.set(client, (c = { shared: 0, unsent: 0 }));
    const used = c.shared + c.unsent;
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    if (used >= this.limit) return { allowed: false, remaining: 0, resetSeconds };
    c.unsent++;
    if (this.counter && !this.timer) {
      this.timer = setTimeout(() => void this.sync(), this.opts.syncMs ?? SYNC_MS);
      this.timer.unref();
    }
    return { allowed: true, remaining: this.limit - used - 1, resetSeconds };
  }

  /** Adds the unsent requests to the shared counters and learns their totals. */
  async sync(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.counter) return;
    const window = this.window;
    const counts = this.counts;
    const key = this.opts.key ?? ((client: string, w: number) => `${client}:${w}`);
    const sent: Array<Promise<void>> = [];
    for (const [client, c] of counts) {
      if (!c.unsent) continue;
      const n = c.unsent;
      c.unsent = 0;
      c.shared += n;
      sent.push(
        this.counter(key(client, window), n, 2 * WINDOW_MS).then(
          // Replies may come back out of order: the count only grows within a window.
          (total) => void (c.shared = Math.max(c.shared, total)),
          // Redis away: these requests stay counted here; the others' are not learnt.
          () => undefined,
        ),
      );
    }
    await Promise.all(sent);
  }

  /** Stops the sync timer (on close); requests of the last interval are not added. */
  stop() {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
