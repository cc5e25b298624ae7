import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { smsText } from '../../src/channels/messages.js';
import { LOCALES } from '../../src/config.js';
import { REPORTED_STATUSES, startFakeSmsTraffic, type FakeSmsTraffic } from '../fakes/smstraffic.js';
import { makeApp, PHONE, uniquePhone, type TestApp } from '../helpers/app.js';

// The SMS channel end to end: the service talks real HTTP to a fake SMS Traffic, the test
// reads the code from the message the fake received, and delivery reports come back over
// real HTTP to the listening service.

const TOKEN = 'sms-callback-token-0123456789';

describe('SMS through SMS Traffic, end to end', () => {
  let main: FakeSmsTraffic;
  let reserve: FakeSmsTraffic;
  let t: TestApp;
  let base: string;

  beforeEach(async () => {
    main = await startFakeSmsTraffic({ login: 'shop', password: 'pw-123' });
    reserve = await startFakeSmsTraffic({ login: 'shop', password: 'pw-123' });
    t = await makeApp({
      store: 'redis',
      configuredProviders: true,
      env: {
        SMS_PROVIDER: 'smstraffic',
        SMSTRAFFIC_URL: main.url,
        SMSTRAFFIC_RESERVE_URL: reserve.url,
        SMSTRAFFIC_LOGIN: 'shop',
        SMSTRAFFIC_PASSWORD: 'pw-123',
        CALLBACK_TOKEN: TOKEN,
        PROVIDER_TIMEOUT_MS: '400',
        PROVIDER_CONNECT_TIMEOUT_MS: '300',
        STATUS_POLL_AFTER_SECONDS: '60',
      },
    });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await t?.close();
    await main?.close();
    await reserve?.close();
  });

  const start = (body: Record<string, unknown>) => t.call({ method: 'POST', url: '/v1/verifications', payload: body });
  const get = async (id: string) => (await t.call({ method: 'GET', url: `/v1/verifications/${id}` })).json();

  it.each(LOCALES)('sends the %s text and completes the verification with the code it carries', async (locale) => {
    const res = await start({ to: '8 916 123-45-67', locale });
    expect(res.statusCode).toBe(201);
    const msg = main.lastMessage(PHONE)!;
    const code = main.lastCode(PHONE)!;
    expect(msg.text).toBe(smsText[locale](code));
    expect(msg.parts).toBe(1);
    expect(msg.originator).toBe('Originator');
    const form = main.sends()[0].form;
    expect(form).toMatchObject({ login: 'shop', password: 'pw-123', phones: '79161234567', rus: '5', want_sms_ids: '1' });
    const v = res.json();
    expect(v.attempts[0]).toMatchObject({ provider: 'smstraffic', status: 'queued', providerRef: msg.smsId });
    expect(msg.smsId).toMatch(/^\d{20}$/); // beyond 2^53: kept exactly as a string
    const check = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code } });
    expect(check.json()).toMatchObject({ status: 'approved', valid: true });
    expect(reserve.received).toHaveLength(0);
  });

  it('uses the request\'s sender as originator', async () => {
    await start({ to: PHONE, sender: 'MyShop' });
    expect(main.lastMessage(PHONE)!.originator).toBe('MyShop');
  });

  it('fails over to the reserve host once on code 1000, and the code still works', async () => {
    main.setMode('error1000');
    const res = await start({ to: PHONE });
    expect(res.statusCode).toBe(201);
    expect(main.sends()).toHaveLength(1);
    expect(reserve.sends()).toHaveLength(1);
    const code = reserve.lastCode(PHONE)!;
    expect((await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: res.json().id, code } })).json().valid).toBe(true);
  });

  it('fails over when the main host refuses connections', async () => {
    await main.close();
    const res = await start({ to: PHONE });
    expect(res.statusCode).toBe(201);
    expect(reserve.sends()).toHaveLength(1);
  });

  it('answers 503 provider_unavailable within the timeout when SMS Traffic hangs, and never sends twice', async () => {
    main.setMode('hang');
    const began = performance.now();
    const res = await start({ to: PHONE });
    expect(performance.now() - began).toBeLessThan(2000);
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('provider_unavailable');
    expect(reserve.received).toHaveLength(0); // the main host may have queued it
    const read = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { to: PHONE, code: '123456' } });
    expect(read.statusCode).toBe(404); // failed: nothing pending
  });

  it('maps account errors to 502 provider_error and a bad number to invalid_phone_number', async () => {
    main.setMode('error:411');
    const account = await start({ to: PHONE });
    expect(account.statusCode).toBe(502);
    expect(account.json().code).toBe('provider_error');
    main.setMode('error:428');
    const bad = await start({ to: uniquePhone() });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('invalid_phone_number');
    expect(reserve.received).toHaveLength(0);
  });

  describe('delivery reports', () => {
    const report = (smsId: string, status: string, token = TOKEN) => main.sendDeliveryReport(`${base}/v1/callbacks/smstraffic/${token}`, smsId, status);

    it.each(REPORTED_STATUSES)('%s → %s, visible on GET at once', async (status, expected) => {
      const v = (await start({ to: PHONE })).json();
      const smsId = v.attempts[0].providerRef;
      const res = await report(smsId, status);
      expect(res.status).toBe(200);
      expect((await get(v.id)).attempts[0].status).toBe(expected);
    });

    it('is idempotent and never moves a final status back', async () => {
      const v = (await start({ to: PHONE })).json();
      const smsId = v.attempts[0].providerRef;
      expect((await report(smsId, 'Delivered')).status).toBe(200);
      expect((await report(smsId, 'Delivered')).status).toBe(200);
      expect((await report(smsId, 'Buffered SMSC')).status).toBe(200);
      expect((await report(smsId, 'Non Delivered')).status).toBe(200);
      expect((await get(v.id)).attempts[0].status).toBe('delivered');
    });

    it('answers 200 to unknown ids and ignores them', async () => {
      const res = await report('99999999999999999999', 'Delivered');
      expect(res.status).toBe(200);
    });

    it('answers 404 to a wrong token', async () => {
      const v = (await start({ to: PHONE })).json();
      const res = await report(v.attempts[0].providerRef, 'Delivered', 'wrong-token');
      expect(res.status).toBe(404);
      expect((await get(v.id)).attempts[0].status).toBe('queued');
    });
  });

  it('polls the status of messages whose report never came', async () => {
    const v = (await start({ to: PHONE })).json();
    const smsId = v.attempts[0].providerRef;
    const [poller] = t.app.pollers;
    // Too early: the report may still come.
    expect(await poller.pollOnce()).toBe(0);
    main.setStatus(smsId, 'Delivered');
    t.clock.advance(61_000);
    expect(await poller.pollOnce()).toBe(1);
    expect((await get(v.id)).attempts[0].status).toBe('delivered');
    const statusQueries = main.received.filter((r) => r.form.operation === 'status');
    expect(statusQueries.at(-1)!.form.sms_id).toBe(smsId);
    // Final: not asked about again.
    t.clock.advance(61_000);
    expect(await poller.pollOnce()).toBe(0);
    expect(main.received.filter((r) => r.form.operation === 'status')).toHaveLength(statusQueries.length);
  });

  it('a polled "Unknown status" is final: undelivered, and not asked about again', async () => {
    const v = (await start({ to: PHONE })).json();
    const smsId = v.attempts[0].providerRef;
    const [poller] = t.app.pollers;
    main.setStatus(smsId, 'Unknown status');
    t.clock.advance(61_000);
    expect(await poller.pollOnce()).toBe(1);
    expect((await get(v.id)).attempts[0].status).toBe('undelivered');
    t.clock.advance(61_000);
    expect(await poller.pollOnce()).toBe(0);
  });

  it('logs an unknown reported status only in a bounded, masked form', async () => {
    const v = (await start({ to: PHONE })).json();
    const odd = `Weird 79161234567 ${'x'.repeat(40)}`;
    const sent = await main.sendDeliveryReport(`${base}/v1/callbacks/smstraffic/${TOKEN}`, v.attempts[0].providerRef, odd);
    expect(sent.status).toBe(200);
    expect(t.logs()).not.toContain('79161234567');
    expect(t.logs()).not.toContain('x'.repeat(30));
    expect(t.logs()).toContain('unknown:Weird ###########');
  });
});
