import { randomUUID } from 'node:crypto';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/channels/http.js';
import { voiceText } from '../../src/channels/messages.js';
import {
  TwilioVoiceProvider,
  codeTwiml,
  noCodeTwiml,
  twilioVoiceFromConfig,
  xmlEscape,
} from '../../src/channels/twilio.js';
import type { ProviderFailure } from '../../src/channels/provider-errors.js';
import { LOCALES, testConfig } from '../../src/config.js';
import { appErrorOf, capturingLog, deliveryRequest, PHONE } from '../helpers/adapters.js';
import { saySegments, spokenCodes, startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';

// The Twilio adapter over real HTTP against the loopback fake, and the TwiML renderers.

const LANGUAGE = { ru: 'ru-RU', en: 'en-US', pt: 'pt-BR' } as const;
const { log, lines: logLines } = capturingLog();

let fake: FakeTwilio;
let http: HttpClient;
let provider: TwilioVoiceProvider;

const request = (over: Parameters<typeof deliveryRequest>[0] = {}) =>
  deliveryRequest({ verificationId: `vf_${randomUUID()}`, attemptId: randomUUID(), code: '482193', locale: 'en', ...over });

const appError = appErrorOf;

const providerFor = (over: Partial<{ accountSid: string; authToken: string; from: string }> = {}) =>
  new TwilioVoiceProvider(
    { apiUrl: fake.url, accountSid: fake.accountSid, authToken: fake.authToken, from: fake.from, ...over },
    http,
    log,
  );

beforeAll(async () => {
  fake = await startFakeTwilio();
  http = new HttpClient({ connectTimeoutMs: 300, timeoutMs: 300 });
  provider = providerFor();
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  logLines.length = 0;
});

describe('Twilio voice call', () => {
  it('creates a call with basic auth, To, From and inline Twiml', async () => {
    expect(provider.channel).toBe('voice');
    expect(provider.name).toBe('twilio');
    const result = await provider.send(request());

    expect(result.status).toBe('queued');
    expect(result.providerRef).toMatch(/^CA[0-9a-f]{32}$/);
    expect(result.providerRef).toBe(fake.lastCall(PHONE)?.sid);
    expect(result.code).toBeUndefined();

    const [r] = fake.received;
    expect(r.method).toBe('POST');
    expect(r.path).toBe(`/2010-04-01/Accounts/${fake.accountSid}/Calls.json`);
    expect(r.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.accountSid}:${fake.authToken}`).toString('base64')}`,
    );
    expect(r.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(r.form.To).toBe(PHONE);
    expect(r.form.From).toBe(fake.from);
    expect(r.form.Twiml).toBe(codeTwiml('en', '482193', 'outbound'));
  });

  it.each(LOCALES)('locale %s: the code read digit by digit twice, in the right language', async (locale) => {
    await provider.send(request({ locale, code: '0481' }));
    const twiml = fake.lastCall()!.twiml;
    expect(spokenCodes(twiml)).toEqual(['0481', '0481']);
    const says = saySegments(twiml);
    expect(says.length).toBeGreaterThan(0);
    for (const s of says) expect(s.language).toBe(LANGUAGE[locale]);
    // The reason for the call is said once, then the code twice; the call ends.
    expect(twiml.split(xmlEscape(voiceText[locale].outbound))).toHaveLength(2);
    expect(twiml).toContain(xmlEscape(voiceText[locale].codeIs));
    expect(twiml).toMatch(/<Hangup\/><\/Response>$/);
  });
});

describe('Twilio failures', () => {
  it('an invalid To number → invalid_phone_number', async () => {
    fake.invalidNumbers.add('+15005550001');
    const err = await appError(provider.send(request({ to: '+15005550001' })));
    expect(err.code).toBe('invalid_phone_number');
    expect((await appError(provider.send(request({ to: '+0123' })))).code).toBe('invalid_phone_number');
    expect(fake.calls).toHaveLength(0);
  });

  it('wrong credentials or account → provider_error', async () => {
    expect((await appError(providerFor({ authToken: 'nope' }).send(request()))).code).toBe('provider_error');
    expect((await appError(providerFor({ accountSid: `AC${'0'.repeat(32)}` }).send(request()))).code).toBe(
      'provider_error',
    );
    expect(fake.calls).toHaveLength(0);
  });

  it('an unverified From → provider_error', async () => {
    expect((await appError(providerFor({ from: '+15550000000' }).send(request()))).code).toBe('provider_error');
  });

  it('HTTP 500 → provider_unavailable (the call may exist: never tried elsewhere)', async () => {
    fake.mode = 'http500';
    const err = await appError(provider.send(request()));
    expect(err.code).toBe('provider_unavailable');
    expect((err as ProviderFailure).tryNext).toBe(false);
  });

  it('no answer → provider_unavailable quickly, and no retry', async () => {
    fake.mode = 'hang';
    const started = Date.now();
    expect((await appError(provider.send(request()))).code).toBe('provider_unavailable');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.received).toHaveLength(1);
  });

  it('a slow answer inside the timeout still succeeds', async () => {
    fake.mode = 'slow:100';
    expect((await provider.send(request())).status).toBe('queued');
  });

  it('connection refused → provider_unavailable', async () => {
    const gone = await startFakeTwilio();
    const url = gone.url;
    await gone.close();
    const p = new TwilioVoiceProvider({ apiUrl: url, accountSid: 'AC1', authToken: 't', from: '+15005550006' }, http, log);
    expect((await appError(p.send(request()))).code).toBe('provider_unavailable');
  });

  it('never logs the code, the token or the full phone number', async () => {
    await provider.send(request({ code: '918273' }));
    fake.invalidNumbers.add(PHONE);
    await provider.send(request({ code: '918273' })).catch(() => undefined);
    fake.mode = 'hang';
    await provider.send(request({ code: '918273' })).catch(() => undefined);
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    expect(all).not.toContain('918273');
    expect(all).not.toContain(fake.authToken);
    expect(all).not.toContain('79161234567');
  });
});

describe('TwiML renderers', () => {
  it.each(LOCALES)('codeTwiml callback, locale %s', (locale) => {
    const twiml = codeTwiml(locale, '7305', 'callback');
    expect(XMLValidator.validate(twiml)).toBe(true);
    expect(twiml.startsWith('<Response>')).toBe(true);
    expect(spokenCodes(twiml)).toEqual(['7305', '7305']);
    expect(saySegments(twiml).every((s) => s.language === LANGUAGE[locale])).toBe(true);
    expect(saySegments(twiml)[0].text).toBe(`${voiceText[locale].callback} ${voiceText[locale].codeIs} 7, 3, 0, 5.`);
    expect(twiml).not.toContain(xmlEscape(voiceText[locale].outbound));
  });

  it.each(LOCALES)('noCodeTwiml, locale %s', (locale) => {
    const twiml = noCodeTwiml(locale);
    expect(XMLValidator.validate(twiml)).toBe(true);
    const says = saySegments(twiml);
    expect(says).toHaveLength(1);
    expect(says[0]).toMatchObject({ language: LANGUAGE[locale], text: voiceText[locale].noCode });
    expect(spokenCodes(twiml)).toEqual([]);
    expect(twiml).toMatch(/<Hangup\/><\/Response>$/);
  });

  it('escapes XML', () => {
    expect(xmlEscape(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt;',
    );
    const twiml = codeTwiml('en', '1<2&3', 'outbound');
    expect(XMLValidator.validate(twiml)).toBe(true);
    expect(twiml).toContain('1, &lt;, 2, &amp;, 3');
  });
});

describe('Twilio configuration', () => {
  it('builds the provider from the configuration', async () => {
    const config = testConfig({
      VOICE_PROVIDER: 'twilio',
      TWILIO_API_URL: fake.url,
      TWILIO_ACCOUNT_SID: fake.accountSid,
      TWILIO_AUTH_TOKEN: fake.authToken,
      TWILIO_FROM: fake.from,
    });
    const p = twilioVoiceFromConfig(config, http, log);
    expect((await p.send(request({ locale: 'pt' }))).status).toBe('queued');
    // Final states come back to the status callback under PUBLIC_URL.
    const call = fake.lastCall()!;
    expect(call.statusCallback).toBe(`http://localhost:3000/v1/callbacks/twilio/status/${config.CALLBACK_TOKEN}`);
    expect(call.statusCallbackEvents).toEqual(['completed']);
    expect(fake.received.at(-1)!.form.StatusCallbackMethod).toBe('POST');
    expect(() => twilioVoiceFromConfig(testConfig(), http, log)).toThrow(/TWILIO_ACCOUNT_SID/);
  });
});
