import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { startFakeSmsTraffic, type FakeSmsTraffic } from '../fakes/smstraffic.js';
import { makeApp, PHONE, recordingProvider, STORES, type TestApp } from '../helpers/app.js';

// The auto channel: flash call → SMS → voice, moving on when a step fails, is reported
// undelivered, or is not confirmed in time. Timers are real (test-sized steps): BullMQ
// delayed jobs on Redis, in-process timers on the embedded store.

const FAST = 'flash_call:0.4,sms:0.4,voice';

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(STORES)('auto workflow (%s store)', (store) => {
  const apps: TestApp[] = [];
  let fake: FakeSmsTraffic | undefined;
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    await fake?.close();
    fake = undefined;
  });
  const open = async (opts: Partial<Parameters<typeof makeApp>[0]> = {}) => {
    const a = await makeApp({ store, ...opts, env: { AUTO_WORKFLOW: FAST, ...opts.env } });
    apps.push(a);
    return a;
  };
  const start = (a: TestApp) => a.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, channel: 'auto' } });
  const get = async (a: TestApp, id: string) => (await a.call({ method: 'GET', url: `/v1/verifications/${id}` })).json();
  const check = (a: TestApp, id: string, code: string) =>
    a.call({ method: 'POST', url: '/v1/verifications/check', payload: { id, code } });

  it('moves from flash call to SMS to voice when no check comes in time; each step has a new code', async () => {
    const t = await open();
    const v = (await start(t)).json();
    expect(v).toMatchObject({ channel: 'flash_call', codeLength: 4 });
    const flashCode = t.flash.lastCode();
    await until('the SMS step', () => t.sms.sent.length === 1);
    const afterSms = await get(t, v.id);
    expect(afterSms.channel).toBe('sms');
    expect(afterSms.codeLength).toBe(6);
    expect(afterSms.attempts.map((a: { channel: string }) => a.channel)).toEqual(['flash_call', 'sms']);
    await until('the voice step', () => t.voice.sent.length === 1);
    expect((await get(t, v.id)).channel).toBe('voice');
    // Only the latest code is valid.
    expect((await check(t, v.id, flashCode.padEnd(6, '0'))).json().valid).toBe(false);
    expect((await check(t, v.id, t.voice.lastCode())).json()).toMatchObject({ valid: true, status: 'approved' });
    await sleep(600);
    expect([t.flash.sent.length, t.sms.sent.length, t.voice.sent.length]).toEqual([1, 1, 1]);
  });

  it('still moves on when the process dies between beginning a step and sending it', async () => {
    const t = await open();
    // The SMS step is recorded, then "the process dies": nothing after beginSend runs.
    const store = t.app.store;
    const beginSend = store.beginSend.bind(store);
    let died = false;
    store.beginSend = async (...args: Parameters<typeof store.beginSend>) => {
      const begun = await beginSend(...args);
      if (args[2].mode === 'advance' && !died) {
        died = true;
        throw new Error('process died');
      }
      return begun;
    };
    const v = (await start(t)).json();
    await until('the voice step', () => t.voice.sent.length === 1, 8000);
    expect(died).toBe(true);
    expect(t.sms.sent).toHaveLength(0);
    const read = await get(t, v.id);
    expect(read.attempts.map((a: { channel: string }) => a.channel)).toEqual(['flash_call', 'sms', 'voice']);
    expect((await check(t, v.id, t.voice.lastCode())).json().status).toBe('approved');
  });

  it('moves to SMS at once when the flash-call provider fails', async () => {
    const t = await open({ env: { AUTO_WORKFLOW: 'flash_call:30,sms:30,voice' } });
    t.flash.fail(new AppError('provider_error', 'refused'));
    const res = await start(t);
    expect(res.statusCode).toBe(201);
    expect(res.json().channel).toBe('sms');
    expect(res.json().attempts.map((a: { status: string }) => a.status)).toEqual(['failed', 'sent']);
    expect(t.sms.sent).toHaveLength(1);
    expect((await check(t, res.json().id, t.sms.lastCode())).json().valid).toBe(true);
  });

  it('fails the verification when every step fails', async () => {
    const t = await open({ env: { AUTO_WORKFLOW: 'flash_call:30,sms:30,voice' } });
    for (const p of [t.flash, t.sms, t.voice]) p.fail(new AppError('provider_unavailable', 'down'));
    const res = await start(t);
    expect(res.statusCode).toBe(201);
    expect(res.json().status).toBe('failed');
    expect(res.json().attempts.map((a: { status: string }) => a.status)).toEqual(['failed', 'failed', 'failed']);
  });

  it('stops when the code is approved', async () => {
    const t = await open();
    const v = (await start(t)).json();
    expect((await check(t, v.id, t.flash.lastCode())).json().status).toBe('approved');
    await sleep(1000);
    expect(t.sms.sent).toHaveLength(0);
    expect(t.voice.sent).toHaveLength(0);
  });

  it('stops when the verification is canceled', async () => {
    const t = await open();
    const v = (await start(t)).json();
    await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/cancel` });
    await sleep(1000);
    expect(t.sms.sent).toHaveLength(0);
  });

  it('moves from SMS to voice at once when SMS Traffic reports the SMS undelivered', async () => {
    fake = await startFakeSmsTraffic({ login: 'l', password: 'p' });
    const flash = recordingProvider('flash_call');
    const voice = recordingProvider('voice');
    flash.fail(new AppError('provider_error', 'refused'));
    const t = await open({
      configuredProviders: true,
      providers: { flash_call: flash, voice },
      env: {
        AUTO_WORKFLOW: 'flash_call:30,sms:30,voice',
        SMS_PROVIDER: 'smstraffic',
        SMSTRAFFIC_URL: fake.url,
        SMSTRAFFIC_RESERVE_URL: fake.url,
        SMSTRAFFIC_LOGIN: 'l',
        SMSTRAFFIC_PASSWORD: 'p',
        CALLBACK_TOKEN: 'auto-callback-token-0123456789',
      },
    });
    const base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const v = (await start(t)).json();
    expect(v.channel).toBe('sms');
    const smsId = fake.lastMessage(PHONE)!.smsId;
    const res = await fake.sendDeliveryReport(`${base}/v1/callbacks/smstraffic/auto-callback-token-0123456789`, smsId, 'Non Delivered');
    expect(res.status).toBe(200);
    const after = await get(t, v.id);
    expect(after.channel).toBe('voice');
    expect(after.attempts.map((a: { status: string }) => a.status)).toEqual(['failed', 'undelivered', 'sent']);
    expect(voice.sent).toHaveLength(1);
    // A repeated report does not skip a step.
    await fake.sendDeliveryReport(`${base}/v1/callbacks/smstraffic/auto-callback-token-0123456789`, smsId, 'Non Delivered');
    expect(voice.sent).toHaveLength(1);
  });
});

describe('auto workflow across restarts and instances (Redis + BullMQ)', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  const open = async (keyPrefix: string) => {
    const a = await makeApp({ store: 'redis', keyPrefix, env: { AUTO_WORKFLOW: 'flash_call:0.8,sms:0.8,voice' } });
    apps.push(a);
    return a;
  };
  const start = (a: TestApp) => a.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, channel: 'auto' } });

  it('fires the next step exactly once after the service restarts in the middle', async () => {
    const prefix = `restart-${Date.now()}:`;
    const first = await open(prefix);
    const v = (await start(first)).json();
    expect(first.flash.sent).toHaveLength(1);
    await first.close();
    apps.splice(apps.indexOf(first), 1);
    const second = await open(prefix);
    await until('the SMS step on the restarted service', () => second.sms.sent.length === 1, 5000);
    await sleep(300);
    expect(second.sms.sent).toHaveLength(1);
    expect(first.sms.sent).toHaveLength(0);
    const read = (await second.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json();
    expect(read.attempts.map((a: { channel: string }) => a.channel)).toEqual(['flash_call', 'sms']);
  });

  it('never sends a step twice with two instances on one Redis', async () => {
    const prefix = `twins-${Date.now()}:`;
    const a = await open(prefix);
    const b = await open(prefix);
    const ids = [];
    for (let i = 0; i < 5; i++) {
      const res = await (i % 2 ? a : b).call({
        method: 'POST',
        url: '/v1/verifications',
        payload: { to: `+7916555000${i}`, channel: 'auto' },
      });
      ids.push(res.json().id);
    }
    await until('every verification at the voice step', () => a.voice.sent.length + b.voice.sent.length === 5, 8000);
    await sleep(500);
    expect(a.sms.sent.length + b.sms.sent.length).toBe(5);
    expect(a.voice.sent.length + b.voice.sent.length).toBe(5);
    for (const id of ids) {
      const read = (await a.call({ method: 'GET', url: `/v1/verifications/${id}` })).json();
      expect(read.attempts.map((x: { channel: string }) => x.channel)).toEqual(['flash_call', 'sms', 'voice']);
    }
  });
});
