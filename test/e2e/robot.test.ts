import { afterEach, describe, expect, it } from 'vitest';
import { phoneTag } from '../../src/codes.js';
import { makeApp, PHONE, STORES, type TestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/metrics.js';

// The call-back robot is not an oracle: a lookup whose number does not end in the pending
// flash-call code is a wrong guess of that verification, so trying every ending finds nothing.

const TOKEN = 'robot-callback-token-0123456789';
const SECRET = 'test-secret-test-secret-test-secret-0123';

describe.each(STORES)('call-back robot (%s store)', (store) => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  const robot = (from: string, to: string) =>
    t.call({
      method: 'POST',
      url: `/v1/callbacks/twilio/voice/${TOKEN}`,
      payload: new URLSearchParams({ From: from, To: to, CallSid: 'CA' + '0'.repeat(32) }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      key: null,
    });

  // 10,000 requests take a while: on Redis only (the embedded store shares the rules, see
  // test/store/rulebook.property.test.ts, and the next test).
  it.runIf(store === 'redis')('cannot be made to read the code by posting all 10,000 endings', async () => {
    t = await makeApp({ store, env: { CALLBACK_TOKEN: TOKEN, LOG_LEVEL: 'warn', FLASH_CALL_MAX_CHECK_ATTEMPTS: '3' } });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, channel: 'flash_call' } })).json();
    const code = t.flash.lastCode();
    // Every ending, the right one last (any three wrong ones before it end the verification).
    const endings = Array.from({ length: 10_000 }, (_, i) => String((Number(code) + 1 + i) % 10_000).padStart(4, '0'));
    let dictated = 0;
    for (let i = 0; i < endings.length; i += 250) {
      const batch = await Promise.all(endings.slice(i, i + 250).map((e) => robot(PHONE, `+7800555${e}`)));
      dictated += batch.filter((r) => r.statusCode !== 200 || r.body.includes('<Pause')).length;
    }
    expect(dictated).toBe(0);
    const read = (await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json();
    expect(read).toMatchObject({ status: 'max_attempts_reached', checksRemaining: 0 });
    expect((await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code } })).statusCode).toBe(409);
  }, 120_000);

  it('counts a wrong lookup as a wrong guess and still dictates the right code', async () => {
    t = await makeApp({ store, env: { CALLBACK_TOKEN: TOKEN, FLASH_CALL_MAX_CHECK_ATTEMPTS: '3' } });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, channel: 'flash_call' } })).json();
    const code = t.flash.lastCode();
    const wrong = String((Number(code) + 1) % 10_000).padStart(4, '0');
    expect((await robot(PHONE, `+7800555${wrong}`)).body).not.toContain('<Pause');
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json().checksRemaining).toBe(2);
    expect((await robot(PHONE, `+7800555${code}`)).body).toContain('<Pause');
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json().checksRemaining).toBe(2);
  });

  it('takes wrong lookups from the same guesses as checks, atomically: in parallel, exactly the allowed number count', async () => {
    t = await makeApp({ store, env: { CALLBACK_TOKEN: TOKEN, FLASH_CALL_MAX_CHECK_ATTEMPTS: '4', PHONE_FAILURE_LIMIT: '1000' } });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, channel: 'flash_call' } })).json();
    const code = t.flash.lastCode();
    const wrong = String((Number(code) + 1) % 10_000).padStart(4, '0');
    const check = (c: string) => t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: c } });
    expect((await robot(PHONE, `+7800555${wrong}`)).body).not.toContain('<Pause');
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json().checksRemaining).toBe(3);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? robot(PHONE, `+7800555${wrong}`) : check(wrong))));
    const lookups = answers.filter((_, i) => i % 2);
    const checks = answers.filter((_, i) => i % 2 === 0);
    expect(lookups.every((r) => r.statusCode === 200 && !r.body.includes('<Pause'))).toBe(true);
    const compared = checks.filter((r) => r.statusCode === 200);
    expect(compared.length).toBeLessThanOrEqual(3);
    expect(checks.filter((r) => r.statusCode === 409)).toHaveLength(30 - compared.length);
    // Every guess counted, by a check or a lookup, is one of the four.
    const metrics = (await t.call({ method: 'GET', url: '/metrics', key: null })).body;
    const counted = ['wrong', 'max_attempts'].map((result) => metricValue(metrics, 'otpgate_checks_total', { channel: 'flash_call', result }) ?? 0);
    expect(counted).toEqual([3, 1]);
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json()).toMatchObject({ status: 'max_attempts_reached', checksRemaining: 0 });
    expect((await robot(PHONE, `+7800555${code}`)).body).not.toContain('<Pause');
    expect((await check(code)).statusCode).toBe(409);
  });

  it('logs a CallSid only as a Twilio SID, anything else bounded and masked', async () => {
    t = await makeApp({ store, env: { CALLBACK_TOKEN: TOKEN } });
    const sid = 'CA' + 'ab'.repeat(16);
    const post = (callSid: string) =>
      t.call({
        method: 'POST',
        url: `/v1/callbacks/twilio/voice/${TOKEN}`,
        payload: new URLSearchParams({ From: PHONE, To: '+78005551234', CallSid: callSid }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        key: null,
      });
    expect((await post(sid)).statusCode).toBe(200);
    expect((await post('CA 79161234567 0000')).statusCode).toBe(200);
    expect(t.logs()).toContain(`"callSid":"${sid}"`);
    expect(t.logs()).toContain('"callSid":"unknown:CA ########### ####"');
    expect(t.logs()).not.toContain('79161234567');
  });

  it('bounds lookups for a caller with no pending flash call', async () => {
    t = await makeApp({ store, env: { CALLBACK_TOKEN: TOKEN } });
    const tag = phoneTag(SECRET, '+79169999999');
    const now = t.clock();
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await t.app.store.flashCallId(tag, now));
    expect(answers.filter((a) => a.limited)).toHaveLength(2);
    expect(answers.every((a) => a.id === undefined)).toBe(true);
    // A new minute, a new budget.
    expect((await t.app.store.flashCallId(tag, now + 60_000)).limited).toBe(false);
  });
});
