import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSmsRu, type FakeSmsRu } from '../fakes/smsru.js';
import { startFakeSmsTraffic, type FakeSmsTraffic } from '../fakes/smstraffic.js';
import { startFakeUcaller } from '../fakes/ucaller.js';
import { makeApp, uniquePhone, type TestApp } from '../helpers/app.js';

// SMS.ru as a second SMS route and ordered provider lists, end to end over HTTP to the fakes:
// the next provider takes the message only when nothing can have been queued; a bad number
// or an unclear reply ends the list.

const TOKEN = 'failover-callback-token-0123456789';

describe('SMS provider lists (failover), end to end', () => {
  let traffic: FakeSmsTraffic;
  let smsru: FakeSmsRu;
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
    await traffic?.close();
    await smsru?.close();
  });

  async function setup(list: string, env: Record<string, string> = {}) {
    traffic = await startFakeSmsTraffic({ login: 'shop', password: 'pw-123' });
    smsru = await startFakeSmsRu();
    t = await makeApp({
      store: 'redis',
      configuredProviders: true,
      env: {
        SMS_PROVIDER: list,
        SMSTRAFFIC_URL: traffic.url,
        SMSTRAFFIC_RESERVE_URL: traffic.url,
        SMSTRAFFIC_LOGIN: 'shop',
        SMSTRAFFIC_PASSWORD: 'pw-123',
        SMSRU_URL: smsru.url,
        SMSRU_API_ID: smsru.apiId,
        CALLBACK_TOKEN: TOKEN,
        PROVIDER_TIMEOUT_MS: '400',
        PROVIDER_CONNECT_TIMEOUT_MS: '300',
        ...env,
      },
    });
  }
  const start = (body: Record<string, unknown>) => t.call({ method: 'POST', url: '/v1/verifications', payload: body });
  const check = (id: string, code: string) => t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id, code } });
  const metric = async (name: string) =>
    (await t.app.inject({ method: 'GET', url: '/metrics' })).body.split('\n').filter((l) => l.startsWith(name));
  const codeIn = (text: string) => /(\d{4,10})/.exec(text)![1];

  it('smstraffic,smsru: SMS Traffic out of funds (415) → SMS.ru carries it at once; the attempt says so', async () => {
    await setup('smstraffic,smsru');
    traffic.setMode('error:415');
    const phone = uniquePhone();
    const res = await start({ to: phone });
    expect(res.statusCode).toBe(201);
    const v = res.json();
    const [msg] = smsru.messages;
    expect(msg.to).toBe(phone.slice(1));
    expect(v.attempts).toEqual([expect.objectContaining({ channel: 'sms', provider: 'smsru', providerRef: msg.smsId, status: 'queued' })]);
    expect((await check(v.id, codeIn(msg.msg))).json()).toMatchObject({ valid: true });
    expect(await metric('otpgate_provider_failovers_total{')).toContain('otpgate_provider_failovers_total{channel="sms",from="smstraffic",to="smsru"} 1');
    const sends = await metric('otpgate_provider_sends_total{');
    expect(sends).toContain('otpgate_provider_sends_total{channel="sms",provider="smstraffic",outcome="provider_error"} 1');
    expect(sends).toContain('otpgate_provider_sends_total{channel="sms",provider="smsru",outcome="ok"} 1');
    // Each request timed with its outcome: a refusal's latency is not mixed into the successes'.
    const took = await metric('otpgate_provider_request_duration_seconds_count{');
    expect(took).toContain('otpgate_provider_request_duration_seconds_count{channel="sms",provider="smstraffic",outcome="provider_error"} 1');
    expect(took).toContain('otpgate_provider_request_duration_seconds_count{channel="sms",provider="smsru",outcome="ok"} 1');
  });

  it('smsru,smstraffic: SMS.ru refuses (no route, 207) → SMS Traffic carries it', async () => {
    await setup('smsru,smstraffic');
    const phone = uniquePhone();
    smsru.numberErrors.set(phone.slice(1), { code: 207 });
    const v = (await start({ to: phone })).json();
    expect(v.attempts[0]).toMatchObject({ provider: 'smstraffic', providerRef: traffic.lastMessage(phone)!.smsId });
    expect((await check(v.id, traffic.lastCode(phone)!)).json()).toMatchObject({ valid: true });
  });

  it('a first provider that cannot be reached before sending → the next one', async () => {
    await setup('smstraffic,smsru', { SMSTRAFFIC_URL: 'http://127.0.0.1:1/multi.php', SMSTRAFFIC_RESERVE_URL: 'http://127.0.0.1:1/multi.php' });
    const v = (await start({ to: uniquePhone() })).json();
    expect(v.attempts[0].provider).toBe('smsru');
  });

  it('a refused number is 400 at once, never tried elsewhere', async () => {
    await setup('smsru,smstraffic');
    const phone = uniquePhone();
    smsru.numberErrors.set(phone.slice(1), { code: 202 });
    const res = await start({ to: phone });
    expect([res.statusCode, res.json().code]).toEqual([400, 'invalid_phone_number']);
    expect(traffic.sends()).toHaveLength(0);
  });

  it('an unclear reply (timeout after sending) is 503 and never a second send', async () => {
    await setup('smstraffic,smsru');
    traffic.setMode('hang');
    const res = await start({ to: uniquePhone() });
    expect([res.statusCode, res.json().code]).toEqual([503, 'provider_unavailable']);
    expect(smsru.received).toHaveLength(0);
  });

  it('every provider refusing: the last refusal answers, and the failed attempt records who refused last', async () => {
    await setup('smstraffic,smsru');
    traffic.setMode('error:415');
    smsru.mode = 'error:201';
    const res = await start({ to: uniquePhone() });
    expect([res.statusCode, res.json().code]).toEqual([502, 'provider_error']);
    expect(res.body).not.toMatch(/[а-яА-Я]|415|201/);
  });
});

describe('SMS.ru alone: delivery callback, status polling and flash calls', () => {
  let smsru: FakeSmsRu;
  let t: TestApp;
  let base: string;
  afterEach(async () => {
    await t?.close();
    await smsru?.close();
  });

  async function setup(env: Record<string, string> = {}) {
    smsru = await startFakeSmsRu();
    t = await makeApp({
      store: 'redis',
      configuredProviders: true,
      env: { SMS_PROVIDER: 'smsru', FLASH_CALL_PROVIDER: 'smsru', SMSRU_URL: smsru.url, SMSRU_API_ID: smsru.apiId, SMSRU_FROM: 'ACME', CALLBACK_TOKEN: TOKEN, ...env },
    });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }
  const start = (body: Record<string, unknown>) => t.call({ method: 'POST', url: '/v1/verifications', payload: body });
  const get = async (id: string) => (await t.call({ method: 'GET', url: `/v1/verifications/${id}` })).json();

  it('the callback answers 100 and applies sms_status records (103 delivered, 104 undelivered); test records are skipped', async () => {
    await setup();
    const a = (await start({ to: uniquePhone() })).json();
    const b = (await start({ to: uniquePhone() })).json();
    const res = await smsru.sendCallback(`${base}/v1/callbacks/smsru/${TOKEN}`, [
      'test\n1782469893',
      `sms_status\n${a.attempts[0].providerRef}\n103\n1782469893`,
      `sms_status\n${b.attempts[0].providerRef}\n104\n1782469893`,
      'sms_status\n000000-10000000\n103\n1782469893',
    ]);
    expect([res.status, res.body]).toEqual([200, '100']);
    expect(res.type).toMatch(/^text\/plain/);
    expect((await get(a.id)).attempts[0].status).toBe('delivered');
    expect((await get(b.id)).attempts[0].status).toBe('undelivered');
    expect((await smsru.sendCallback(`${base}/v1/callbacks/smsru/wrong-token-0123456789`, ['test\n1'])).status).toBe(404);
  });

  it('logs an unknown callback status code only in a bounded, masked form', async () => {
    await setup();
    const a = (await start({ to: uniquePhone() })).json();
    const res = await smsru.sendCallback(`${base}/v1/callbacks/smsru/${TOKEN}`, [`sms_status\n${a.attempts[0].providerRef}\nweird 79161234567 ${'x'.repeat(40)}\n1782469893`]);
    expect([res.status, res.body]).toEqual([200, '100']);
    expect(t.logs()).toContain('"status":"unknown:weird ###########');
    expect(t.logs()).not.toContain('79161234567');
    expect(t.logs()).not.toContain('x'.repeat(40));
  });

  it('polls /sms/status for messages whose callback never came', async () => {
    await setup({ STATUS_POLL_AFTER_SECONDS: '60' });
    const v = (await start({ to: uniquePhone() })).json();
    smsru.setStatus(v.attempts[0].providerRef, 110);
    const poller = t.app.pollers.find((p) => p.providerName === 'smsru')!;
    t.clock.advance(61_000);
    expect(await poller.pollOnce()).toBe(1);
    expect((await get(v.id)).attempts[0].status).toBe('delivered');
  });

  it('flash list ucaller,smsru: uCaller out of funds (1002) → SMS.ru rings with its own code, which approves', async () => {
    const ucaller = await startFakeUcaller({ serviceId: '42', key: 'uc-key' });
    try {
      await setup({ FLASH_CALL_PROVIDER: 'ucaller,smsru', UCALLER_URL: ucaller.url, UCALLER_SERVICE_ID: '42', UCALLER_KEY: 'uc-key' });
      ucaller.mode = 'error:1002';
      const v = (await start({ to: uniquePhone(), channel: 'flash_call' })).json();
      const [call] = smsru.calls;
      expect(ucaller.received).toHaveLength(1);
      expect(v.attempts[0]).toMatchObject({ provider: 'smsru', providerRef: call.callId });
      const res = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: call.code } });
      expect(res.json()).toMatchObject({ valid: true, status: 'approved' });
    } finally {
      await ucaller.close();
    }
  });

  it('flash call: the code SMS.ru chose approves, with the end user IP passed on', async () => {
    await setup();
    const v = (await start({ to: uniquePhone(), channel: 'flash_call', clientIp: '203.0.113.7' })).json();
    const [call] = smsru.calls;
    expect(call.ip).toBe('203.0.113.7');
    expect(v.attempts[0]).toMatchObject({ provider: 'smsru', providerRef: call.callId });
    const res = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: call.code } });
    expect(res.json()).toMatchObject({ valid: true, status: 'approved' });
  });
});
