import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { testConfig } from '../../src/config.js';
import { stableJson } from '../../src/routes/idempotency.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { rulesFromConfig } from '../../src/store/types.js';
import { AppError } from '../../src/errors.js';
import { makeApp, PHONE, STORES, uniquePhone, type TestApp } from '../helpers/app.js';

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

describe.each(STORES)('Idempotency-Key (%s store)', (store) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const start = (app: TestApp, to: string, key: string) =>
    app.call({ method: 'POST', url: '/v1/verifications', payload: { to }, headers: { 'idempotency-key': key } });

  it('sends once for 30 parallel starts with one key', async () => {
    t = await makeApp({ store });
    const app = t;
    const answers = await Promise.all(Array.from({ length: 30 }, () => start(app, PHONE, 'parallel-30')));
    expect(t.sms.sent).toHaveLength(1);
    const created = answers.filter((r) => r.statusCode === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.json().id)).size).toBe(1);
    // A twin that outwaits the first one's answer is told to come back, never sent twice.
    for (const r of answers.filter((x) => x.statusCode !== 201)) expect([r.statusCode, r.json().code]).toEqual([429, 'rate_limited']);
  });

  it('does not keep a 503 for replay: the retry is tried afresh', async () => {
    t = await makeApp({ store });
    const to = uniquePhone();
    t.sms.fail(new AppError('provider_unavailable', 'down'));
    expect((await start(t, to, 'after-outage')).statusCode).toBe(503);
    t.sms.fail(undefined);
    const retry = await start(t, to, 'after-outage');
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(t.sms.sent).toHaveLength(1);
  });

  // Redis lets the key expire by its own clock: the lease's length is tested above.
  it.runIf(store === 'embedded')('frees the key of a start that never finished once its lease is over', async () => {
    t = await makeApp({ store });
    const s = t.app.store;
    expect(await s.idempotencyBegin('acme', 'dead', 'h', 30_000)).toEqual({ state: 'new' });
    expect(await s.idempotencyBegin('acme', 'dead', 'h', 30_000)).toEqual({ state: 'in_progress' });
    t.clock.advance(30_001);
    expect(await s.idempotencyBegin('acme', 'dead', 'h', 30_000)).toEqual({ state: 'new' });
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
