import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { testConfig } from '../../src/config.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { rulesFromConfig } from '../../src/store/types.js';

// The stores' sliding-window counters (pollers' locks, throttles) behave alike.

const rules = rulesFromConfig(testConfig());
const T0 = 1_800_000_000_000;

describe.each(['embedded', 'redis'] as const)('sliding windows (%s store)', (kind) => {
  it('count hits up to the limit, refuse with the wait for the oldest, and give back on unhit', async () => {
    const store = kind === 'redis' ? new RedisStore(new Redis(inject('redisUrl')), 's', rules, `win-${randomBytes(4).toString('hex')}:`) : new EmbeddedStore('s', rules);
    try {
      for (let i = 0; i < 3; i++) expect((await store.hit('w', 3, 10_000, `m${i}`, T0 + i * 1000)).allowed).toBe(true);
      expect(await store.hit('w', 3, 10_000, 'm3', T0 + 5000)).toEqual({ allowed: false, count: 3, retryAfterMs: 5000 });
      expect(await store.peek('w', 10_000, T0 + 5000)).toEqual({ count: 3, retryAfterMs: 5000 });
      await store.unhit('w', 'm1');
      expect((await store.hit('w', 3, 10_000, 'm4', T0 + 5000)).allowed).toBe(true);
      expect((await store.hit('w', 3, 10_000, 'm5', T0 + 10_001)).allowed).toBe(true); // m0 left the window
    } finally {
      await store.close();
    }
  });
});
