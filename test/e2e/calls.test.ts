import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/channels/http.js';
import { ucallerFlashCallFromConfig } from '../../src/channels/ucaller.js';
import { LOCALES, testConfig } from '../../src/config.js';
import { signTwilio, startFakeTwilio, saySegments, spokenCodes, type FakeTwilio } from '../fakes/twilio.js';
import { startFakeUcaller, type FakeUcaller } from '../fakes/ucaller.js';
import { makeApp, PHONE, recordingProvider, STORES, type StoreKind, type TestApp, wrongCode } from '../helpers/app.js';

// Flash call, voice and the call-back robot end to end, over HTTP to fake uCaller and Twilio.

const TOKEN = 'calls-callback-token-0123456789';

describe.each(STORES)('calls end to end (%s store)', (store: StoreKind) => {
  let ucaller: FakeUcaller;
  let twilio: FakeTwilio;
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
    await ucaller?.close();
    await twilio?.close();
  });

  async function setup(env: Record<string, string> = {}, extra: Parameters<typeof makeApp>[0]['providers'] = undefined) {
    ucaller = await startFakeUcaller({ serviceId: '4242', key: 'ucaller-key-abc' });
    twilio = await startFakeTwilio({ accountSid: 'AC123', authToken: 'tw-token', from: '+15005550006' });
    t = await makeApp({
      store,
      configuredProviders: true,
      providers: extra,
      env: {
        FLASH_CALL_PROVIDER: 'ucaller',
        VOICE_PROVIDER: 'twilio',
        UCALLER_URL: ucaller.url,
        UCALLER_SERVICE_ID: '4242',
        UCALLER_KEY: 'ucaller-key-abc',
        TWILIO_API_URL: twilio.url,
        TWILIO_ACCOUNT_SID: 'AC123',
        TWILIO_AUTH_TOKEN: 'tw-token',
        TWILIO_FROM: '+15005550006',
        CALLBACK_TOKEN: TOKEN,
        PROVIDER_TIMEOUT_MS: '400',
        ...env,
      },
    });
  }

  const start = (body: Record<string, unknown>) => t.call({ method: 'POST', url: '/v1/verifications', payload: body });
  const check = (id: string, code: string) => t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id, code } });
  // Signed as Twilio signs it: TWILIO_AUTH_TOKEN is set, over PUBLIC_URL (its default) + path.
  const robot = (from: string, to: string, token = TOKEN) => {
    const url = `/v1/callbacks/twilio/voice/${token}`;
    const params: [string, string][] = [['From', from], ['To', to], ['CallSid', 'CA' + '0'.repeat(32)]];
    return t.call({
      method: 'POST',
      url,
      payload: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio('tw-token', `http://localhost:3000${url}`, params) },
      key: null,
    });
  };

  describe('flash call through uCaller', () => {
    it('calls from a number ending in the code; the last 4 digits approve', async () => {
      await setup();
      const res = await start({ to: PHONE, channel: 'flash_call', codeLength: 8 });
      expect(res.statusCode).toBe(201);
      const v = res.json();
      expect(v).toMatchObject({ channel: 'flash_call', codeLength: 4, checksRemaining: 3 });
      expect(Date.parse(v.expiresAt) - Date.parse(v.createdAt)).toBe(120_000);
      const call = ucaller.lastCall('79161234567')!;
      expect(call.voice).toBe(false);
      expect(call.cli.endsWith(call.code)).toBe(true);
      expect(v.attempts[0]).toMatchObject({ provider: 'ucaller', status: 'sent', providerRef: String(call.ucallerId) });
      const req = ucaller.received.at(-1)!;
      expect(req.path).toMatch(/\/initCall$/);
      expect(req.headers.authorization).toBe('Bearer ucaller-key-abc.4242');
      expect(req.body).toMatchObject({ unique: `${v.id}-0` });
      expect((await check(v.id, wrongCode(call.code))).json()).toMatchObject({ valid: false, checksRemaining: 2 });
      expect((await check(v.id, call.code)).json()).toMatchObject({ valid: true, status: 'approved' });
    });

    it('allows only FLASH_CALL_MAX_CHECK_ATTEMPTS (3) guesses', async () => {
      await setup();
      const v = (await start({ to: PHONE, channel: 'flash_call' })).json();
      const code = ucaller.lastCall()!.code;
      const results = [];
      for (let i = 0; i < 3; i++) results.push((await check(v.id, wrongCode(code))).json().status);
      expect(results).toEqual(['pending', 'pending', 'max_attempts_reached']);
      expect((await check(v.id, code)).statusCode).toBe(409);
    });

    it('expires after FLASH_CALL_TTL_SECONDS', async () => {
      await setup();
      const v = (await start({ to: PHONE, channel: 'flash_call', ttlSeconds: 600 })).json();
      t.clock.advance(120_000);
      const res = await check(v.id, ucaller.lastCall()!.code);
      expect(res.statusCode).toBe(409);
      expect(res.json().verificationStatus).toBe('expired');
    });

    it('stores the code a provider picked itself', async () => {
      const config = testConfig({ UCALLER_URL: 'http://127.0.0.1:1', UCALLER_SERVICE_ID: '4242', UCALLER_KEY: 'ucaller-key-abc' });
      await setup({}, undefined);
      await t.close();
      // The same fake, with a provider that sends no code and takes uCaller's.
      const http = new HttpClient({ connectTimeoutMs: 300, timeoutMs: 400 });
      const picking = ucallerFlashCallFromConfig({ ...config, UCALLER_URL: ucaller.url }, http, t.app.log, { providerPicksCode: true });
      t = await makeApp({ store, configuredProviders: true, providers: { flash_call: picking } });
      ucaller.mode = 'provider-picks-code';
      const v = (await start({ to: PHONE, channel: 'flash_call' })).json();
      const call = ucaller.lastCall()!;
      expect(call.sentCode).toBeUndefined();
      expect((await check(v.id, wrongCode(call.code))).json().valid).toBe(false);
      expect((await check(v.id, call.code)).json().valid).toBe(true);
      await http.close();
    });

    it('fails the start with 502/503 when uCaller refuses or hangs', async () => {
      await setup();
      ucaller.mode = 'error:1002';
      const refused = await start({ to: PHONE, channel: 'flash_call' });
      expect(refused.statusCode).toBe(502);
      expect(refused.json().code).toBe('provider_error');
      ucaller.mode = 'hang';
      const began = performance.now();
      const hung = await start({ to: '+79161234568', channel: 'flash_call' });
      expect(hung.statusCode).toBe(503);
      expect(performance.now() - began).toBeLessThan(2000);
    });
  });

  describe('the call-back robot', () => {
    it('dictates the code twice to the caller who calls the flash-call number back', async () => {
      await setup();
      const v = (await start({ to: PHONE, channel: 'flash_call', locale: 'en' })).json();
      const call = ucaller.lastCall()!;
      const res = await robot(PHONE, call.cli);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/xml');
      expect(spokenCodes(res.body)).toEqual([call.code, call.code]);
      expect(saySegments(res.body)[0].language).toBe('en-US');
      expect(res.body).toContain('<Hangup/>');
      // National format of the caller works too, and the code still approves afterwards.
      expect(spokenCodes((await robot('89161234567', call.cli)).body)).toEqual([call.code, call.code]);
      expect((await check(v.id, call.code)).json().valid).toBe(true);
    });

    it('says "no active code" for a wrong number, an unknown caller, an expired or ended verification', async () => {
      await setup();
      const v = (await start({ to: PHONE, channel: 'flash_call' })).json();
      const call = ucaller.lastCall()!;
      const noCode = async (from: string, to: string) => {
        const res = await robot(from, to);
        expect(res.statusCode).toBe(200);
        expect(spokenCodes(res.body)).toEqual([]);
        expect(res.body).not.toContain(call.code.split('').join(', '));
        return res.body;
      };
      const wrongDigits = call.cli.slice(0, -4) + wrongCode(call.code);
      const unknownCaller = await noCode('+79169999999', call.cli);
      expect(await noCode(PHONE, wrongDigits)).toBe(unknownCaller); // nothing tells the two apart
      await noCode('garbage', call.cli);
      t.clock.advance(120_000);
      await noCode(PHONE, call.cli);
      // An approved one gives nothing either.
      t.clock.advance(-120_000);
      await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: call.code } });
      await noCode(PHONE, call.cli);
    });

    it('does not read SMS codes', async () => {
      const sms = recordingProvider('sms');
      await setup({}, { sms });
      await start({ to: PHONE, channel: 'sms', codeLength: 4 });
      const res = await robot(PHONE, `+7495000${sms.lastCode()}`);
      expect(spokenCodes(res.body)).toEqual([]);
    });

    it('answers 404 to a wrong token', async () => {
      await setup();
      await start({ to: PHONE, channel: 'flash_call' });
      const res = await robot(PHONE, ucaller.lastCall()!.cli, 'not-the-token');
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain(ucaller.lastCall()!.code);
    });
  });

  describe('voice', () => {
    it.each(LOCALES)('Twilio reads the code digit by digit, twice, in %s', async (locale) => {
      await setup();
      const v = (await start({ to: PHONE, channel: 'voice', locale })).json();
      const call = twilio.lastCall()!;
      expect(call.to).toBe(PHONE);
      expect(call.from).toBe('+15005550006');
      const [code] = spokenCodes(call.twiml);
      expect(code).toMatch(/^\d{6}$/);
      expect(spokenCodes(call.twiml)).toEqual([code, code]);
      expect(saySegments(call.twiml)[0].language).toBe({ ru: 'ru-RU', en: 'en-US', pt: 'pt-BR' }[locale]);
      expect(v.attempts[0]).toMatchObject({ provider: 'twilio', providerRef: call.sid });
      expect((await check(v.id, code)).json().valid).toBe(true);
    });

    it('uCaller voice calls with voice:true and a 4-digit code', async () => {
      await setup({ VOICE_PROVIDER: 'ucaller' });
      const v = (await start({ to: PHONE, channel: 'voice' })).json();
      const call = ucaller.lastCall()!;
      expect(call.voice).toBe(true);
      expect(v.codeLength).toBe(4);
      expect((await check(v.id, call.code)).json().valid).toBe(true);
    });
  });
});
