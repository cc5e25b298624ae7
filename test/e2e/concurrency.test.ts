import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, PHONE, STORES, type TestApp } from '../helpers/app.js';

// Concurrency claims, against real Redis: the Lua scripts are what makes these hold when
// requests interleave (and across instances, see the second app on the same prefix).

describe('concurrency against real Redis', () => {
  let t: TestApp;
  let t2: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    await t2?.close();
    t2 = undefined;
  });

  const checkOn = (app: TestApp, id: string, code: string) =>
    app.call({ method: 'POST', url: '/v1/verifications/check', payload: { id, code } });

  it.each([
    ['redis', 200, 5],
    ['embedded', 200, 3],
  ] as const)('%s store: %i parallel wrong checks with %i allowed give exactly that many 200s, the rest 409, then the right code is refused', async (store, n, m) => {
    t = await makeApp({ store, env: { MAX_CHECK_ATTEMPTS: String(m), PHONE_FAILURE_LIMIT: '1000' } });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } })).json();
    const code = t.sms.lastCode();
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const results = await Promise.all(Array.from({ length: n }, () => checkOn(t, v.id, wrong)));
    // Every 200 describes a compared code; a check with no guess left is a 409.
    const ok = results.filter((r) => r.statusCode === 200);
    expect(ok).toHaveLength(m);
    for (const r of ok) expect(r.json().valid).toBe(false);
    expect(ok.map((r) => r.json().checksRemaining).sort()).toEqual(Array.from({ length: m }, (_, i) => i));
    const refused = results.filter((r) => r.statusCode === 409);
    expect(refused).toHaveLength(n - m);
    for (const r of refused) expect(r.json()).toMatchObject({ code: 'verification_not_pending', verificationStatus: 'max_attempts_reached' });
    const read = (await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json();
    expect(read).toMatchObject({ status: 'max_attempts_reached', checksRemaining: 0 });
    const right = await checkOn(t, v.id, code);
    expect(right.statusCode).toBe(409);
    expect(right.json().verificationStatus).toBe('max_attempts_reached');
  });

  it('a right code among 50 parallel guesses is never granted beyond the 5 allowed', async () => {
    // Repeat: the right guess lands at a random position in the race.
    for (let round = 0; round < 5; round++) {
      t = await makeApp({ store: 'redis', env: { MAX_CHECK_ATTEMPTS: '5', PHONE_FAILURE_LIMIT: '1000' } });
      const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } })).json();
      const code = t.sms.lastCode();
      const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
      const guesses = Array.from({ length: 50 }, (_, i) => (i === 25 ? code : wrong));
      const results = await Promise.all(guesses.map((g) => checkOn(t, v.id, g)));
      const read = (await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json();
      const answered = results.filter((r) => r.statusCode === 200);
      const approved = answered.filter((r) => r.json().valid === true);
      // Approval is possible only if the right guess was among the first five compared.
      expect(approved.length).toBeLessThanOrEqual(1);
      expect(answered.length).toBeLessThanOrEqual(5);
      expect(read.status).toBe(approved.length === 1 ? 'approved' : 'max_attempts_reached');
      await t.close();
    }
  });

  it.each(STORES)('20 parallel right checks approve exactly once (%s store)', async (store) => {
    t = await makeApp({ store, env: { MAX_CHECK_ATTEMPTS: '5' } });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } })).json();
    const code = t.sms.lastCode();
    const results = await Promise.all(Array.from({ length: 20 }, () => checkOn(t, v.id, code)));
    const approved = results.filter((r) => r.statusCode === 200 && r.json().valid === true);
    expect(approved).toHaveLength(1);
    expect(approved[0].json().status).toBe('approved');
    for (const r of results.filter((x) => x !== approved[0])) {
      expect(r.statusCode).toBe(409);
      expect(r.json().verificationStatus).toBe('approved');
    }
  });

  it('parallel starts to one number leave exactly one pending verification', async () => {
    t = await makeApp({ store: 'redis', env: { RESEND_COOLDOWN_SECONDS: '0', PHONE_SEND_LIMIT: '1000' } });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } })),
    );
    expect(results.every((r) => r.statusCode === 201)).toBe(true);
    const ids: string[] = results.map((r) => r.json().id);
    const statuses = await Promise.all(ids.map(async (id) => (await t.call({ method: 'GET', url: `/v1/verifications/${id}` })).json().status));
    expect(statuses.filter((s) => s === 'pending')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'canceled')).toHaveLength(19);
  });

  it('parallel starts with a cooldown: exactly one is sent', async () => {
    t = await makeApp({ store: 'redis', env: { RESEND_COOLDOWN_SECONDS: '30' } });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 429 && r.json().code === 'resend_too_soon')).toHaveLength(19);
    expect(t.sms.sent).toHaveLength(1);
  });

  it('two instances on one Redis share verifications and guesses', async () => {
    t = await makeApp({ store: 'redis', keyPrefix: 'shared-a:', env: { MAX_CHECK_ATTEMPTS: '4', PHONE_FAILURE_LIMIT: '1000' } });
    t2 = await makeApp({ store: 'redis', keyPrefix: 'shared-a:', env: { MAX_CHECK_ATTEMPTS: '4', PHONE_FAILURE_LIMIT: '1000' } });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } })).json();
    const code = t.sms.lastCode();
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await Promise.all(Array.from({ length: 20 }, (_, i) => checkOn(i % 2 ? t : t2!, v.id, wrong)));
    const read = (await t2.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json();
    expect(read).toMatchObject({ status: 'max_attempts_reached', checksRemaining: 0 });
  });
});
