import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, PHONE, type TestApp } from '../helpers/app.js';

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

  it('50 parallel wrong checks with 5 allowed: exactly 5 counted, then the right code is refused', async () => {
    t = await makeApp({ store: 'redis', env: { MAX_CHECK_ATTEMPTS: '5', PHONE_FAILURE_LIMIT: '1000' } });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } })).json();
    const code = t.sms.lastCode();
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const results = await Promise.all(Array.from({ length: 50 }, () => checkOn(t, v.id, wrong)));
    // Every answer is a refusal: valid:false (evaluated, or not evaluated because all guesses
    // were taken) or 409 once the verification has ended.
    for (const r of results) {
      if (r.statusCode === 200) expect(r.json().valid).toBe(false);
      else expect(r.json()).toMatchObject({ code: 'verification_not_pending', verificationStatus: 'max_attempts_reached' });
    }
    // Exactly five guesses were compared with the code: the check metrics count them.
    const metrics = (await t.call({ method: 'GET', url: '/metrics', key: null })).body;
    const counted = [...metrics.matchAll(/otpgate_checks_total\{result="(wrong|max_attempts)"\} (\d+)/g)].reduce(
      (sum, m) => sum + Number(m[2]),
      0,
    );
    expect(counted, metrics.split("\n").filter((l) => l.startsWith("otpgate_checks")).join("\n")).toBe(5);
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
      const approved = results.filter((r) => r.statusCode === 200 && r.json().valid === true);
      // Approval is possible only if the right guess was among the first five reserved.
      expect(approved.length).toBeLessThanOrEqual(1);
      expect(read.status).toBe(approved.length === 1 ? 'approved' : 'max_attempts_reached');
      expect(read.checksRemaining).toBeGreaterThanOrEqual(0);
      await t.close();
    }
  });

  it('20 parallel right checks approve exactly once', async () => {
    t = await makeApp({ store: 'redis', env: { MAX_CHECK_ATTEMPTS: '5' } });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } })).json();
    const code = t.sms.lastCode();
    const results = await Promise.all(Array.from({ length: 20 }, () => checkOn(t, v.id, code)));
    const approved = results.filter((r) => r.statusCode === 200 && r.json().valid === true);
    expect(approved).toHaveLength(1);
    expect(approved[0].json().status).toBe('approved');
    for (const r of results.filter((x) => x !== approved[0])) {
      // The others were either refused as no longer pending or not evaluated (guesses used up).
      if (r.statusCode === 409) expect(r.json().verificationStatus).toBe('approved');
      else expect(r.json()).toMatchObject({ valid: false });
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
