import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, PHONE, type TestApp } from '../helpers/app.js';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';

// Fault test: a Redis of our own that we stop and start again under a running service.

describe('Redis outage', () => {
  let redis: RedisServerHandle;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    t = await makeApp({ store: 'redis', env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.stop();
  });

  it('answers 503 store_unavailable within a second while Redis is down, and recovers by itself', async () => {
    const ok = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } });
    expect(ok.statusCode).toBe(201);
    const id = ok.json().id;

    await redis.stop();
    for (const req of [
      { method: 'POST' as const, url: '/v1/verifications', payload: { to: '+79161112233' } },
      { method: 'POST' as const, url: '/v1/verifications/check', payload: { id, code: '123456' } },
      { method: 'GET' as const, url: `/v1/verifications/${id}` },
      { method: 'POST' as const, url: `/v1/verifications/${id}/resend` },
      { method: 'POST' as const, url: `/v1/verifications/${id}/cancel` },
    ]) {
      const began = performance.now();
      const res = await t.call(req);
      const took = performance.now() - began;
      expect(res.statusCode, req.url).toBe(503);
      expect(res.json().code).toBe('store_unavailable');
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(took, `${req.method} ${req.url} took ${took} ms`).toBeLessThan(1000);
    }
    const ready = await t.call({ method: 'GET', url: '/readyz', key: null });
    expect(ready.statusCode).toBe(503);
    expect((await t.call({ method: 'GET', url: '/healthz', key: null })).statusCode).toBe(200);
    // Nothing was handed to a provider while the store could not record it.
    expect(t.sms.sent).toHaveLength(1);

    await redis.start();
    const deadline = Date.now() + 10_000;
    let res = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: '+79161112233' } });
    while (res.statusCode === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      res = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: '+79161112233' } });
    }
    expect(res.statusCode).toBe(201);
    expect((await t.call({ method: 'GET', url: '/readyz', key: null })).statusCode).toBe(200);
    const check = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: res.json().id, code: t.sms.lastCode() } });
    expect(check.json().status).toBe('approved');
  });
  it('answers 503 store_unavailable within about a second while Redis is frozen, and recovers when it runs again', async () => {
    const ok = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: '+79161112244' } });
    expect(ok.statusCode).toBe(201);
    const id = ok.json().id;
    const sent = t.sms.sent.length;
    redis.freeze();
    try {
      for (const req of [
        { method: 'POST' as const, url: '/v1/verifications', payload: { to: '+79161112255' } },
        { method: 'POST' as const, url: '/v1/verifications/check', payload: { id, code: '123456' } },
        { method: 'GET' as const, url: `/v1/verifications/${id}` },
      ]) {
        const began = performance.now();
        const res = await t.call(req);
        const took = performance.now() - began;
        expect(res.statusCode, req.url).toBe(503);
        expect(res.json().code).toBe('store_unavailable');
        // REDIS_COMMAND_TIMEOUT_MS is 500 ms; the rest is a loaded machine's margin.
        expect(took, `${req.method} ${req.url} took ${took} ms`).toBeLessThan(2000);
      }
      expect(t.sms.sent).toHaveLength(sent);
    } finally {
      redis.thaw();
    }
    const deadline = Date.now() + 10_000;
    let res = await t.call({ method: 'GET', url: `/v1/verifications/${id}` });
    while (res.statusCode === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      res = await t.call({ method: 'GET', url: `/v1/verifications/${id}` });
    }
    expect(res.statusCode).toBe(200);
    expect((await t.call({ method: 'GET', url: '/readyz', key: null })).statusCode).toBe(200);
  });
});
