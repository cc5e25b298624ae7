import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { testConfig } from '../../src/config.js';
import { stableJson } from '../../src/routes/idempotency.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { rulesFromConfig } from '../../src/store/types.js';
import { makeApp, PHONE, type TestApp } from '../helpers/app.js';

// Idempotency-Key on the start route: the in-progress marker is a short lease, and the body
// hash never recurses without bound on caller input.

describe('Idempotency-Key', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('marks a start in progress for seconds, not a day (a dead process frees the key)', async () => {
    const keyPrefix = `idem-${randomBytes(4).toString('hex')}:`;
    let leaseMs = -1;
    t = await makeApp({
      store: 'redis',
      keyPrefix,
      providers: {
        sms: {
          channel: 'sms',
          name: 'slow',
          async send() {
            const redis = new Redis(inject('redisUrl'));
            const [key] = await redis.keys(`${keyPrefix}idem:*`);
            leaseMs = await redis.pttl(key);
            redis.disconnect();
            return { providerRef: 'r', status: 'sent' };
          },
        },
      },
    });
    const res = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE }, headers: { 'idempotency-key': 'lease' } });
    expect(res.statusCode).toBe(201);
    expect(leaseMs).toBeGreaterThan(0);
    expect(leaseMs).toBeLessThanOrEqual(30_000);
  });

  it('hashes a body of any depth without recursing past a bound', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    expect(() => stableJson(deep)).toThrowError(expect.objectContaining({ code: 'invalid_request' }));
    expect(stableJson({ b: [1, { y: 2, x: 1 }], a: null })).toBe('{"a":null,"b":[1,{"x":1,"y":2}]}');
  });
});

describe('the embedded store', () => {
  it('sweeps idempotency entries, references and tracking sets like everything else', async () => {
    let now = Date.now();
    const store = new EmbeddedStore('sweep-secret-0123456789abcdef0123', rulesFromConfig(testConfig()), () => now);
    for (let i = 0; i < 100; i++) {
      await store.idempotencyComplete('acme', `k${i}`, { bodyHash: 'h', response: { statusCode: 201, body: {} } }, 24 * 3600_000);
      await store.indexProviderRef('p', `r${i}`, 'vf_x', 0, { set: 'poll:p', at: now });
    }
    now += 25 * 3600_000;
    store.sweep();
    const inside = store as unknown as { idem: Map<string, unknown>; tracked: Map<string, Map<string, number>> };
    expect(inside.idem.size).toBe(0);
    now += 3 * 24 * 3600_000;
    store.sweep();
    expect(inside.tracked.get('poll:p')?.size ?? 0).toBe(0);
    await store.close();
  });
});
