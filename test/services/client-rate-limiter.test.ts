import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ClientRateLimiter, redisCounter, type SharedCounter } from '../../src/services/client-rate-limiter.js';

// CLIENT_RATE_LIMIT without a round trip per request: exact on one instance, shared across
// instances through batched counters on a real Redis.

const T0 = 1_800_000_000_000; // a minute boundary
const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.disconnect());

function clock(t = T0) {
  const now = () => t;
  now.set = (ms: number) => void (t = ms);
  return now;
}

const keyOf = () => {
  const prefix = `rl-${randomBytes(4).toString('hex')}:`;
  return (client: string, w: number) => `${prefix}${client}:${w}`;
};

describe('client rate limiter', () => {
  it('one instance: exactly the limit per client per minute, with the headers, then a fresh minute', () => {
    const now = clock(T0 + 15_000);
    const limiter = new ClientRateLimiter(3, undefined, { now });
    expect([1, 2, 3].map(() => limiter.take('acme'))).toEqual([
      { allowed: true, remaining: 2, resetSeconds: 45 },
      { allowed: true, remaining: 1, resetSeconds: 45 },
      { allowed: true, remaining: 0, resetSeconds: 45 },
    ]);
    expect(limiter.take('acme')).toEqual({ allowed: false, remaining: 0, resetSeconds: 45 });
    // Another client has its own budget.
    expect(limiter.take('globex').allowed).toBe(true);
    now.set(T0 + 59_500);
    expect(limiter.take('acme')).toEqual({ allowed: false, remaining: 0, resetSeconds: 1 });
    now.set(T0 + 60_000);
    expect(limiter.take('acme')).toEqual({ allowed: true, remaining: 2, resetSeconds: 60 });
  });

  it('sends one counter update per client per sync, however many requests', async () => {
    const calls: Array<[string, number]> = [];
    const counter: SharedCounter = async (key, n) => (calls.push([key, n]), n);
    const limiter = new ClientRateLimiter(1000, counter, { now: clock(), syncMs: 60_000, key: (c, w) => `${c}:${w}` });
    for (let i = 0; i < 100; i++) limiter.take('acme');
    for (let i = 0; i < 7; i++) limiter.take('globex');
    await limiter.sync();
    expect(calls.sort()).toEqual([
      [`acme:${T0 / 60_000}`, 100],
      [`globex:${T0 / 60_000}`, 7],
    ]);
    await limiter.sync(); // nothing new: nothing sent
    expect(calls).toHaveLength(2);
    limiter.stop();
  });

  it('instances share the budget through Redis: each learns the others’ requests at its next sync', async () => {
    const now = clock();
    const key = keyOf();
    const opts = { now, syncMs: 60_000, key };
    const a = new ClientRateLimiter(10, redisCounter(redis), opts);
    const b = new ClientRateLimiter(10, redisCounter(redis), opts);
    for (let i = 0; i < 8; i++) expect(a.take('acme').allowed).toBe(true);
    await a.sync();
    // b has not synced yet: it admits on what it knows (the documented approximation)...
    expect(b.take('acme')).toMatchObject({ allowed: true, remaining: 9 });
    await b.sync();
    // ...and from then on counts a's 8 requests too: 10 in all, the 11th is refused.
    expect(b.take('acme')).toMatchObject({ allowed: true, remaining: 0 });
    expect(b.take('acme').allowed).toBe(false);
    await b.sync();
    expect(Number(await redis.get(key('acme', T0 / 60_000)))).toBe(10);
    expect(await redis.pttl(key('acme', T0 / 60_000))).toBeGreaterThan(60_000);
    a.stop();
    b.stop();
  });

  it('Redis away: keeps counting its own requests and still refuses past the limit', async () => {
    const down = new Redis(1, '127.0.0.1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    down.on('error', () => undefined);
    const limiter = new ClientRateLimiter(2, redisCounter(down), { now: clock(), syncMs: 60_000, key: keyOf() });
    expect(limiter.take('acme').allowed).toBe(true);
    await limiter.sync();
    expect(limiter.take('acme').allowed).toBe(true);
    expect(limiter.take('acme').allowed).toBe(false);
    limiter.stop();
    down.disconnect();
  });
});
