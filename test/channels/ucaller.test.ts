import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/channels/http.js';
import {
  UcallerClient,
  UcallerFlashCallProvider,
  UcallerVoiceProvider,
  ucallerFlashCallFromConfig,
  ucallerVoiceFromConfig,
} from '../../src/channels/ucaller.js';
import type { ProviderFailure } from '../../src/channels/provider-errors.js';
import { testConfig } from '../../src/config.js';
import { issueCode } from '../../src/services/issue-code.js';
import { appErrorOf, capturingLog, deliveryRequest } from '../helpers/adapters.js';
import { startFakeUcaller, type FakeUcaller } from '../fakes/ucaller.js';

// The uCaller adapter over real HTTP against the loopback fake.

const { log, lines: logLines } = capturingLog();

let fake: FakeUcaller;
let http: HttpClient;
let client: UcallerClient;

const request = (over: Parameters<typeof deliveryRequest>[0] = {}) =>
  deliveryRequest({ verificationId: `vf_${randomUUID()}`, attemptId: randomUUID(), code: '4821', locale: 'ru', ...over });

const appError = appErrorOf;

beforeAll(async () => {
  fake = await startFakeUcaller();
  // Small timeouts: a hanging provider must fail fast.
  http = new HttpClient({ connectTimeoutMs: 300, timeoutMs: 300 });
  client = new UcallerClient({ url: fake.url, serviceId: fake.serviceId, key: fake.key }, http, log);
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  logLines.length = 0;
});

describe('uCaller flash call', () => {
  it('posts phone, our code and unique with the Bearer key and returns the call id as a string', async () => {
    const provider = new UcallerFlashCallProvider(client);
    expect(provider.channel).toBe('flash_call');
    expect(provider.name).toBe('ucaller');
    expect(provider.choosesCode).toBe(false);
    const req = request();
    const result = await provider.send(req);

    expect(result.status).toBe('sent');
    expect(typeof result.providerRef).toBe('string');
    expect(result.providerRef).toBe(String(fake.calls[0].ucallerId));
    expect(result.code).toBeUndefined(); // uCaller used our code

    const [r] = fake.received;
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/v1.0/initCall');
    expect(r.headers.authorization).toBe(`Bearer ${fake.key}.${fake.serviceId}`);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body).toEqual({ phone: 79161234567, code: '4821', unique: req.attemptId });
    expect(fake.lastCall('79161234567')?.code).toBe('4821');
  });

  it('keeps a leading zero: "0123" is sent as a string and the reply 123 reads back as 0123', async () => {
    const result = await new UcallerFlashCallProvider(client).send(request({ code: '0123' }));
    expect(fake.received[0].body.code).toBe('0123');
    expect(fake.lastCall()?.code).toBe('0123');
    expect(fake.lastCall()?.cli.endsWith('0123')).toBe(true);
    expect(result.code).toBeUndefined();
  });

  it('a repeat with the same attempt id places no second call', async () => {
    const provider = new UcallerFlashCallProvider(client);
    const req = request();
    const first = await provider.send(req);
    const second = await provider.send(req);
    expect(second.providerRef).toBe(first.providerRef);
    expect(fake.received).toHaveLength(2);
    expect(fake.calls).toHaveLength(1);
  });

  it('returns the code when uCaller used other digits than ours', async () => {
    fake.mode = 'provider-picks-code';
    fake.nextProviderCode = '0042';
    const result = await new UcallerFlashCallProvider(client).send(request({ code: '1111' }));
    expect(result.code).toBe('0042');
    expect(fake.lastCall()?.code).toBe('0042');
  });

  it('in provider-picks-code mode sends no code and returns the one uCaller chose, 4 digits', async () => {
    const provider = new UcallerFlashCallProvider(client, { providerPicksCode: true });
    expect(provider.choosesCode).toBe(true);
    fake.nextProviderCode = '0007';
    const result = await provider.send(request({ code: undefined }));
    expect(fake.received[0].body).not.toHaveProperty('code');
    expect(result.code).toBe('0007');
    expect(result.code).toBe(fake.lastCall()?.code);
  });
});

describe('uCaller voice', () => {
  it('asks for a voice call with voice:true', async () => {
    const provider = new UcallerVoiceProvider(client);
    expect(provider.channel).toBe('voice');
    expect(provider.name).toBe('ucaller');
    const req = request({ code: '5930' });
    const result = await provider.send(req);
    expect(fake.received[0].body).toEqual({ phone: 79161234567, code: '5930', unique: req.attemptId, voice: true });
    expect(fake.lastCall()?.voice).toBe(true);
    expect(result.providerRef).toBe(String(fake.lastCall()?.ucallerId));
  });

  it('refuses a code that is not 4 digits without calling uCaller', async () => {
    const err = await appError(new UcallerVoiceProvider(client).send(request({ code: '123456' })));
    expect(err.code).toBe('channel_not_available');
    expect(fake.received).toHaveLength(0);
  });
});

describe('uCaller failures', () => {
  it('classifies refusals by the numeric code, never by the text', async () => {
    const cases: [number, string, number | undefined][] = [
      [3, 'invalid_phone_number', undefined],
      [18, 'rate_limited', 60],
      [19, 'rate_limited', 15],
      [429, 'rate_limited', 1],
      [1002, 'provider_error', undefined],
      [1005, 'provider_error', undefined],
      [401, 'provider_error', undefined],
      [20, 'channel_not_available', undefined],
      [777, 'provider_error', undefined],
    ];
    for (const [code, expected, retryAfter] of cases) {
      fake.mode = `error:${code}`;
      const err = await appError(new UcallerFlashCallProvider(client).send(request()));
      expect([code, err.code, err.retryAfter]).toEqual([code, expected, retryAfter]);
      // The caller's detail is fixed per code: uCaller's words stay in the log.
      expect(err.detail).not.toMatch(/[а-яА-Я]/);
      expect(err.detail).not.toContain(String(code));
    }
  });

  it('texts that name the phone (18, 1005) are not a bad number; operator problems log at error level', async () => {
    for (const code of [18, 1005, 1002, 401]) {
      logLines.length = 0;
      fake.mode = `error:${code}`;
      expect((await appError(new UcallerFlashCallProvider(client).send(request()))).code).not.toBe('invalid_phone_number');
      const line = JSON.parse(logLines.find((l) => l.includes('uCaller refused'))!);
      expect(line.level).toBe(code === 18 ? 40 : 50);
      expect(line.providerCode).toBe(code);
      expect(typeof line.providerError).toBe('string');
    }
  });

  it('a number uCaller rejects → invalid_phone_number', async () => {
    const err = await appError(new UcallerFlashCallProvider(client).send(request({ to: '+712345678' })));
    expect(err.code).toBe('invalid_phone_number');
    expect(fake.calls).toHaveLength(0);
  });

  it('a wrong key → provider_error (HTTP 200 and HTTP 401 alike)', async () => {
    const bad = new UcallerClient({ url: fake.url, serviceId: fake.serviceId, key: 'wrong' }, http, log);
    expect((await appError(new UcallerFlashCallProvider(bad).send(request()))).code).toBe('provider_error');

    const strict = await startFakeUcaller({ authFailureStatus: 401 });
    try {
      const bad401 = new UcallerClient({ url: strict.url, serviceId: strict.serviceId, key: 'wrong' }, http, log);
      expect((await appError(new UcallerFlashCallProvider(bad401).send(request()))).code).toBe('provider_error');
      expect(strict.calls).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });

  it('an unreadable HTTP 500 → provider_unavailable that never tries elsewhere (the call may be placed)', async () => {
    fake.mode = 'http500';
    const err = await appError(new UcallerVoiceProvider(client).send(request()));
    expect(err.code).toBe('provider_unavailable');
    expect((err as ProviderFailure).tryNext).toBe(false);
  });

  it('no answer → provider_unavailable quickly, and no retry', async () => {
    fake.mode = 'hang';
    const started = Date.now();
    const err = await appError(new UcallerFlashCallProvider(client).send(request()));
    expect(err.code).toBe('provider_unavailable');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(fake.received).toHaveLength(1);
  });

  it('a slow answer inside the timeout still succeeds', async () => {
    fake.mode = 'slow:100';
    const result = await new UcallerFlashCallProvider(client).send(request());
    expect(result.status).toBe('sent');
  });

  it('connection refused → provider_unavailable', async () => {
    const gone = await startFakeUcaller();
    const url = gone.url;
    await gone.close();
    const c = new UcallerClient({ url, serviceId: 'x', key: 'y' }, http, log);
    expect((await appError(new UcallerFlashCallProvider(c).send(request()))).code).toBe('provider_unavailable');
  });
});

describe('uCaller call status (getInfo)', () => {
  it('reads call_status for each id: -1 nothing yet, 0 undelivered, 1 delivered, unknown id gone', async () => {
    const provider = new UcallerFlashCallProvider(client);
    const refs = [];
    for (let i = 0; i < 6; i++) refs.push((await provider.send(request())).providerRef);
    fake.calls[1].callStatus = 0;
    fake.calls[2].callStatus = 1;
    fake.calls[4].callStatus = 0;
    const statuses = await provider.pollStatus([...refs, '999999']);
    expect(statuses).toEqual([
      { ref: refs[0] },
      { ref: refs[1], status: 'undelivered' },
      { ref: refs[2], status: 'delivered' },
      { ref: refs[3] },
      { ref: refs[4], status: 'undelivered' },
      { ref: refs[5] },
      { ref: '999999', gone: true },
    ]);
    const info = fake.received.filter((r) => r.path === '/v1.0/getInfo');
    expect(info).toHaveLength(7);
    expect(info[0].headers.authorization).toBe(`Bearer ${fake.key}.${fake.serviceId}`);
  });

  it('codes start at 0001: uCaller refuses 0000', () => {
    const provider = new UcallerFlashCallProvider(client);
    expect(provider.forbidsZeroCode).toBe(true);
    for (let i = 0; i < 20000; i++) expect(issueCode(provider, 6).code).not.toBe('0000');
  });
});

describe('uCaller logging and configuration', () => {
  it('never logs the code, the key or the full phone number', async () => {
    const provider = new UcallerFlashCallProvider(client);
    await provider.send(request({ code: '9876' }));
    fake.mode = 'error:18'; // its text quotes the number
    await provider.send(request({ code: '9876' })).catch(() => undefined);
    fake.mode = 'hang';
    await provider.send(request({ code: '9876' })).catch(() => undefined);
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    expect(all).not.toContain('9876');
    expect(all).not.toContain(fake.key);
    expect(all).not.toContain('79161234567');
  });

  it('builds both providers from the configuration', async () => {
    const config = testConfig({
      FLASH_CALL_PROVIDER: 'ucaller',
      VOICE_PROVIDER: 'ucaller',
      UCALLER_URL: fake.url,
      UCALLER_SERVICE_ID: fake.serviceId,
      UCALLER_KEY: fake.key,
    });
    const flash = ucallerFlashCallFromConfig(config, http, log);
    const voice = ucallerVoiceFromConfig(config, http, log);
    expect((await flash.send(request())).status).toBe('sent');
    expect((await voice.send(request())).status).toBe('sent');
    expect(fake.calls.map((c) => c.voice)).toEqual([false, true]);
    expect(() => ucallerFlashCallFromConfig(testConfig(), http, log)).toThrow(/UCALLER_KEY/);
  });
});
