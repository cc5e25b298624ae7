import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/channels/http.js';
import type { ProviderFailure } from '../../src/channels/provider-errors.js';
import { SmsRuClient, SmsRuFlashCallProvider, SmsRuSmsProvider } from '../../src/channels/smsru.js';
import { appErrorOf, capturingLog, deliveryRequest } from '../helpers/adapters.js';
import { startFakeSmsRu, type FakeSmsRu } from '../fakes/smsru.js';

// The SMS.ru adapters over real HTTP against the loopback fake.

const { log, lines } = capturingLog();
let fake: FakeSmsRu;
let http: HttpClient;
let client: SmsRuClient;
const request = (over: Parameters<typeof deliveryRequest>[0] = {}) =>
  deliveryRequest({ verificationId: `vf_${randomUUID()}`, attemptId: randomUUID(), ...over });

beforeAll(async () => {
  fake = await startFakeSmsRu();
  http = new HttpClient({ connectTimeoutMs: 300, timeoutMs: 300 });
  client = new SmsRuClient({ url: fake.url, apiId: fake.apiId, from: 'ACME' }, http, log);
});
afterAll(async () => {
  await http.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  lines.length = 0;
});

describe('SMS.ru SMS', () => {
  it('posts api_id, to, msg, json=1, from and ip; the sms_id is the reference', async () => {
    const res = await new SmsRuSmsProvider(client).send(request({ code: '123456', clientIp: '203.0.113.7' }));
    const [r] = fake.received;
    expect(r.path).toBe('/sms/send');
    expect(r.form).toEqual({ api_id: fake.apiId, json: '1', to: '79161234567', msg: 'Код подтверждения: 123456. Никому его не сообщайте.', from: 'ACME', ip: '203.0.113.7' });
    expect(res).toEqual({ providerRef: fake.messages[0].smsId, status: 'queued' });
    expect(fake.messages.map((m) => m.to)).toEqual(['79161234567']);
  });

  it('classifies refusals by status_code: the number (202) at once, the rest for another provider', async () => {
    const cases: [number, string, boolean, number | undefined][] = [
      [202, 'invalid_phone_number', false, undefined],
      [207, 'provider_error', true, undefined],
      [221, 'provider_error', true, undefined],
      [231, 'rate_limited', true, 60],
    ];
    for (const [code, expected, tryNext, retryAfter] of cases) {
      fake.numberErrors.set('79161234567', { code, withSmsId: true }); // an sms_id does not mean accepted
      const err = (await appErrorOf(new SmsRuSmsProvider(client).send(request()))) as ProviderFailure;
      expect([code, err.code, err.tryNext, err.retryAfter]).toEqual([code, expected, tryNext, retryAfter]);
      expect(err.detail).not.toMatch(/[а-яА-Я]/);
    }
    expect(fake.messages).toHaveLength(0);
  });

  it('a wrong api_id or no funds is provider_error with an error-level log line', async () => {
    for (const code of [200, 201]) {
      lines.length = 0;
      fake.mode = code === 200 ? 'ok' : `error:${code}`;
      const c = code === 200 ? new SmsRuClient({ url: fake.url, apiId: 'wrong' }, http, log) : client;
      expect((await appErrorOf(new SmsRuSmsProvider(c).send(request()))).code).toBe('provider_error');
      const line = JSON.parse(lines.find((l) => l.includes('SMS.ru refused'))!);
      expect([line.level, line.providerCode]).toEqual([50, code]);
    }
  });

  it('unclear replies never let another provider try: timeout, HTTP 500; a refused connection does', async () => {
    fake.mode = 'hang';
    const hung = (await appErrorOf(new SmsRuSmsProvider(client).send(request()))) as ProviderFailure;
    expect([hung.code, hung.tryNext]).toEqual(['provider_unavailable', false]);
    fake.mode = 'http500';
    const failed = (await appErrorOf(new SmsRuSmsProvider(client).send(request()))) as ProviderFailure;
    expect([failed.code, failed.tryNext]).toEqual(['provider_unavailable', false]);
    const gone = await startFakeSmsRu();
    const url = gone.url;
    await gone.close();
    const refused = (await appErrorOf(new SmsRuSmsProvider(new SmsRuClient({ url, apiId: 'x' }, http, log)).send(request()))) as ProviderFailure;
    expect([refused.code, refused.tryNext]).toEqual(['provider_unavailable', true]);
  });

  it('reads delivery statuses: 103 and 110 delivered, 104–108 and 150 undelivered, -1 gone', async () => {
    const provider = new SmsRuSmsProvider(client);
    const refs: string[] = [];
    for (let i = 0; i < 5; i++) refs.push((await provider.send(request({ to: `+7916123456${i}` }))).providerRef);
    fake.setStatus(refs[0], 103);
    fake.setStatus(refs[1], 110);
    fake.setStatus(refs[2], 104);
    fake.setStatus(refs[3], 102);
    expect(await provider.pollStatus([...refs, '000000-10000000'])).toEqual([
      { ref: refs[0], status: 'delivered' },
      { ref: refs[1], status: 'delivered' },
      { ref: refs[2], status: 'undelivered' },
      { ref: refs[3], status: 'sent' },
      { ref: refs[4], status: undefined },
      { ref: '000000-10000000', gone: true },
    ]);
  });
});

describe('SMS.ru flash call', () => {
  it('SMS.ru chooses the code: it comes back with the call id; ip is -1 without one', async () => {
    const provider = new SmsRuFlashCallProvider(client);
    expect([provider.choosesCode, provider.codeLength]).toEqual([true, 4]);
    const res = await provider.send(request({ code: undefined }));
    const [call] = fake.calls;
    expect(res).toEqual({ providerRef: call.callId, status: 'sent', code: call.code });
    expect(fake.received[0]).toMatchObject({ path: '/code/call', form: { api_id: fake.apiId, phone: '79161234567', ip: '-1', json: '1' } });
  });

  it('never logs the code, the api_id or the full phone number', async () => {
    await new SmsRuFlashCallProvider(client).send(request({ code: undefined }));
    fake.mode = 'error:201';
    await new SmsRuSmsProvider(client).send(request({ code: '987654' })).catch(() => undefined);
    const all = lines.join('\n');
    // Not as a number of its own (a 4-digit code may occur inside a timestamp).
    expect(all).not.toMatch(new RegExp(`(?<!\\d)${fake.calls[0].code}(?!\\d)`));
    expect(all).not.toContain('987654');
    expect(all).not.toContain(fake.apiId);
    expect(all).not.toContain('79161234567');
  });
});
