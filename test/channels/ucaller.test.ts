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
import { testConfig } from '../../src/config.js';
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
  it('status:false → provider_error', async () => {
    fake.mode = 'error:Недостаточно средств на балансе';
    const err = await appError(new UcallerFlashCallProvider(client).send(request()));
    expect(err.code).toBe('provider_error');
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

  it('HTTP 500 → provider_error', async () => {
    fake.mode = 'http500';
    expect((await appError(new UcallerVoiceProvider(client).send(request()))).code).toBe('provider_error');
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

describe('uCaller logging and configuration', () => {
  it('never logs the code, the key or the full phone number', async () => {
    const provider = new UcallerFlashCallProvider(client);
    await provider.send(request({ code: '9876' }));
    fake.mode = 'error:Phone 79161234567 is blocked';
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
