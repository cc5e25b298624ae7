import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { STORES, uniquePhone, wrongCode } from '../helpers/app.js';
import { engineFixture } from '../helpers/engine.js';
import { sleep, until } from '../helpers/webhooks.js';

// Semantics of the rebuilt engine that the old one got wrong (issue 8), on both stores. This file:
// the auto workflow against the check and send budgets; engine-semantics.test.ts: the rest.

describe.each(STORES)('engine semantics: auto workflow budgets (%s store)', (store) => {
  const { open, start, check, get, sends } = engineFixture(store);

  it('gives a flash-call code inside auto FLASH_CALL_MAX_CHECK_ATTEMPTS guesses', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:30,sms:30,voice', MAX_CHECK_ATTEMPTS: '5', FLASH_CALL_MAX_CHECK_ATTEMPTS: '3' });
    const v = (await start(t, { channel: 'auto' })).json();
    expect(v).toMatchObject({ channel: 'flash_call', checksRemaining: 3 });
    const wrong = wrongCode(t.flash.lastCode());
    expect((await check(t, v.id, wrong)).json().checksRemaining).toBe(2);
    expect((await check(t, v.id, wrong)).json().checksRemaining).toBe(1);
    expect((await check(t, v.id, wrong)).json()).toMatchObject({ status: 'max_attempts_reached', checksRemaining: 0 });
    expect((await check(t, v.id, t.flash.lastCode())).statusCode).toBe(409);
  });

  it('counts every auto step against the per-IP budget of the start and stops sending when it is used up', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:0.3,sms:0.3,voice', IP_SEND_LIMIT: '2', PHONE_SEND_LIMIT: '100' });
    const v = (await start(t, { channel: 'auto', clientIp: '203.0.113.7' })).json();
    await until('the SMS step', () => t.sms.sent.length === 1);
    await sleep(800);
    expect(sends(t)).toBe(2); // flash call and SMS; the voice step was refused
    const read = await get(t, v.id);
    expect(read).toMatchObject({ status: 'pending', channel: 'sms' });
    // The verification keeps its current code until it expires.
    expect((await check(t, v.id, t.sms.lastCode())).json().status).toBe('approved');
  });

  it('counts every auto step against the per-phone send limit', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:0.3,sms:0.3,voice', PHONE_SEND_LIMIT: '2' });
    await start(t, { channel: 'auto' });
    await until('the SMS step', () => t.sms.sent.length === 1);
    await sleep(800);
    expect(sends(t)).toBe(2);
  });

  it('counts every auto step against the global budget', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:0.3,sms:0.3,voice', GLOBAL_SEND_LIMIT: '2', PHONE_SEND_LIMIT: '100' });
    const v = (await start(t, { channel: 'auto' })).json();
    await until('the SMS step', () => t.sms.sent.length === 1);
    await sleep(800);
    expect(sends(t)).toBe(2);
    expect(await get(t, v.id)).toMatchObject({ status: 'pending', channel: 'sms' });
  });

  it('counts a resend against the per-IP budget of the start and the global budget', async () => {
    const byIp = await open({ IP_SEND_LIMIT: '1', PHONE_SEND_LIMIT: '100' });
    const v = (await start(byIp, { clientIp: '203.0.113.7' })).json();
    const refused = await byIp.call({ method: 'POST', url: `/v1/verifications/${v.id}/resend` });
    expect([refused.statusCode, refused.json().code]).toEqual([429, 'rate_limited']);
    expect(byIp.sms.sent).toHaveLength(1);
    const global = await open({ GLOBAL_SEND_LIMIT: '1', PHONE_SEND_LIMIT: '100' });
    const g = (await start(global)).json();
    expect((await global.call({ method: 'POST', url: `/v1/verifications/${g.id}/resend` })).statusCode).toBe(429);
    expect(global.sms.sent).toHaveLength(1);
    // Refused before anything was sent: the code the user has still works.
    expect((await check(global, g.id, global.sms.lastCode())).json().status).toBe('approved');
  });

  it('counts auto steps in the pumping statistics: a blocked prefix gets no further step', async () => {
    let flashCalls = 0;
    const failingFlash = {
      channel: 'flash_call' as const,
      name: 'failing',
      async send(): Promise<never> {
        flashCalls++;
        throw new AppError('provider_error', 'refused');
      },
    };
    const t = await open(
      { AUTO_WORKFLOW: 'flash_call:30,sms:30,voice', PUMPING_MIN_SENDS: '3', PUMPING_MIN_CONVERSION: '0.5' },
      { providers: { flash_call: failingFlash } },
    );
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await start(t, { to: uniquePhone(), channel: 'auto' }));
    // Start 1: flash call and SMS step; start 2: its flash call, then the SMS step is the
    // 4th send to a prefix without approvals: refused, and with no code delivered it failed.
    // Start 3: refused at once.
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201, 403]);
    expect(answers[0].json().status).toBe('pending');
    expect(answers[1].json().status).toBe('failed');
    expect(flashCalls + t.sms.sent.length + t.voice.sent.length).toBe(3);
  });

  it('lets a resend inside auto take over the workflow clock', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:1,sms:1,voice' });
    const v = (await start(t, { channel: 'auto' })).json();
    await sleep(600);
    expect((await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/resend` })).statusCode).toBe(200);
    await sleep(700); // past the first timer's 1 s: the step still waits
    expect(t.sms.sent).toHaveLength(0);
    expect((await get(t, v.id)).channel).toBe('flash_call');
    await until('the SMS step after the resend', () => t.sms.sent.length === 1);
  });
});
