import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { testConfig } from '../../src/config.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { rulesFromConfig } from '../../src/store/types.js';

// The guard's windows are fixed buckets: their size follows time, not traffic.

describe('abuse guard counters in Redis', () => {
  it('stay at most 61 buckets per window however many sends pass', async () => {
    const prefix = `buckets-${randomBytes(4).toString('hex')}:`;
    const redis = new Redis(inject('redisUrl'));
    const store = new RedisStore(new Redis(inject('redisUrl')), 's', rulesFromConfig(testConfig()), prefix);
    const send = {
      global: { limit: 1_000_000 },
      ip: { tag: 'abc', limit: 1_000_000, windowMs: 3_600_000 },
      pumping: { prefix: '+7916', minSends: 1_000_000, minConversion: 0.1, blockMs: 3_600_000 },
    };
    try {
      const t0 = 1_800_000_000_000;
      for (let i = 0; i < 3000; i++) expect((await store.guardTake(send, t0 + i * 3000)).ok).toBe(true); // 2.5 hours
      for (const key of ['gl', 'ip:abc', 'ps:+7916']) {
        expect(await redis.hlen(`${prefix}{g}:${key}`), key).toBeLessThanOrEqual(61);
      }
    } finally {
      redis.disconnect();
      await store.close();
    }
  });
});
