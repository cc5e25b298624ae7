import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, PHONE, STORES, type TestApp } from '../helpers/app.js';

// Property tests: whatever a caller throws at an endpoint, the answer is a 2xx or a
// problem+json 4xx, never a 5xx, and it comes quickly.

const anyBody = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.record(
    {
      to: fc.oneof(fc.string(), fc.constant(PHONE), fc.constant('8 916 123-45-67'), fc.integer(), fc.constant(null)),
      channel: fc.oneof(fc.constantFrom('sms', 'flash_call', 'voice', 'auto', 'fax'), fc.string()),
      locale: fc.oneof(fc.constantFrom('ru', 'en', 'pt', 'xx'), fc.integer()),
      codeLength: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.double(), fc.string()),
      ttlSeconds: fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.string()),
      id: fc.oneof(fc.string(), fc.constant('vf_' + 'a'.repeat(48))),
      code: fc.oneof(fc.stringMatching(/^\d{0,12}$/), fc.string(), fc.integer()),
      metadata: fc.jsonValue(),
      clientIp: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()),
      sender: fc.string(),
    },
    { requiredKeys: [] },
  ),
);

const contentTypes = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml');

describe.each(STORES)('fuzzing every endpoint (%s store)', (store) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeApp({ store, env: { PHONE_SEND_LIMIT: '100000', IP_SEND_LIMIT: '100000', CLIENT_RATE_LIMIT: '100000', PUMPING_MIN_SENDS: '100000' } });
  });
  afterAll(async () => t?.close());

  const routes = ['/v1/verifications', '/v1/verifications/check', '/v1/verifications/xyz/resend', '/v1/verifications/xyz/cancel'];

  it('never answers 5xx to arbitrary JSON bodies', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), anyBody, async (url, body) => {
        const began = performance.now();
        const res = await t.call({ method: 'POST', url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        expect(res.statusCode, `${url} ${JSON.stringify(body)} -> ${res.body}`).toBeLessThan(500);
        expect(performance.now() - began).toBeLessThan(2000);
        if (res.statusCode >= 400) {
          expect(res.headers['content-type']).toContain('application/problem+json');
          expect(typeof res.json().code).toBe('string');
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx to arbitrary raw payloads, content types and ids', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.string(), contentTypes, fc.string(), async (url, raw, type, id) => {
        const res = await t.call({ method: 'POST', url, payload: raw, headers: { 'content-type': type } });
        expect(res.statusCode, `${url} ${type} ${raw}`).toBeLessThan(500);
        const get = await t.call({ method: 'GET', url: `/v1/verifications/${encodeURIComponent(id)}` });
        expect(get.statusCode).toBeLessThan(500);
        expect([400, 404]).toContain(get.statusCode);
      }),
      { numRuns: 150 },
    );
  });

  it('never answers 5xx to arbitrary Authorization and Idempotency-Key headers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string({ maxLength: 300 }), async (auth, key) => {
        const clean = (s: string) => s.replace(/[^\x20-\x7e]/g, '');
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/verifications',
          payload: { to: PHONE },
          headers: { authorization: clean(auth), 'idempotency-key': clean(key) },
        });
        expect(res.statusCode).toBeLessThan(500);
      }),
      { numRuns: 100 },
    );
  });
});
