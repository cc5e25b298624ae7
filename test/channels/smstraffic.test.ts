import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCALES, testConfig } from '../../src/config.js';
import { HttpClient } from '../../src/channels/http.js';
import {
  SmsTrafficProvider,
  smsTrafficFromConfig,
  mapDeliveryStatus,
  parseDeliveryDate,
  type SmsTrafficOptions,
} from '../../src/channels/smstraffic.js';
import { REPORTED_STATUSES, smsParts, startFakeSmsTraffic, type FakeSmsTraffic } from '../fakes/smstraffic.js';
import { appErrorOf, capturingLog, deliveryRequest, PHONE } from '../helpers/adapters.js';
import { freePort } from '../helpers/redis-server.js';

const PASSWORD = 'secret';

let main: FakeSmsTraffic;
let reserve: FakeSmsTraffic;
let http: HttpClient;

beforeEach(async () => {
  main = await startFakeSmsTraffic({ login: 'acme', password: PASSWORD });
  reserve = await startFakeSmsTraffic({ login: 'acme', password: PASSWORD });
  http = new HttpClient({ connectTimeoutMs: 200, timeoutMs: 300 });
});

afterEach(async () => {
  await http.close();
  await main.close();
  await reserve.close();
});

function provider(over: Partial<SmsTrafficOptions> = {}) {
  return new SmsTrafficProvider({
    url: main.url,
    reserveUrl: reserve.url,
    login: 'acme',
    password: PASSWORD,
    originator: 'Otpgate',
    http,
    log: pino({ level: 'silent' }),
    ...over,
  });
}

const request = (over: Parameters<typeof deliveryRequest>[0] = {}) => deliveryRequest({ code: '123456', locale: 'ru', ...over });

describe('SmsTrafficProvider.send', () => {
  it('posts the documented form and returns the 20-digit sms_id exactly, as a string', async () => {
    const result = await provider().send(request());

    expect(main.received).toHaveLength(1);
    const { form, headers, method } = main.received[0];
    expect(method).toBe('POST');
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(form).toMatchObject({
      login: 'acme',
      password: PASSWORD,
      phones: '79161234567',
      originator: 'Otpgate',
      rus: '5',
      want_sms_ids: '1',
    });
    expect(form.message).toContain('123456');

    expect(result.status).toBe('queued');
    expect(result.providerRef).toMatch(/^\d{20}$/);
    expect(result.providerRef).toBe(main.messages[0].smsId);
    // A number could not hold it: the id survives only as a string.
    expect(BigInt(result.providerRef) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(String(Number(result.providerRef))).not.toBe(result.providerRef);
    expect(reserve.received).toHaveLength(0);
  });

  it('uses the requested sender as originator', async () => {
    await provider().send(request({ sender: 'ACME' }));
    expect(main.received[0].form.originator).toBe('ACME');
  });

  for (const locale of LOCALES) {
    for (const code of ['123456', '9876543210']) {
      it(`${locale}: the text carries a ${code.length}-digit code and fits one SMS part`, async () => {
        await provider().send(request({ locale, code }));
        const text = main.received[0].form.message;
        expect(text).toContain(code);
        expect(main.lastCode(PHONE)).toBe(code);
        // rus=5 sends every text as UCS-2: 70 UTF-16 units for one part, whatever the script.
        expect(text.length).toBeLessThanOrEqual(70);
        expect(smsParts(text, '5')).toBe(1);
        expect(main.messages[0].parts).toBe(1);
      });
    }
  }

  it('maps a number SMS Traffic rejects to invalid_phone_number', async () => {
    expect((await appErrorOf(provider().send(request({ to: '+7916123' })))).code).toBe('invalid_phone_number'); // 425
    expect((await appErrorOf(provider().send(request({ to: '+7916123456789012' })))).code).toBe('invalid_phone_number'); // 426
    main.setMode('error:432');
    expect((await appErrorOf(provider().send(request()))).code).toBe('invalid_phone_number');
    expect(reserve.received).toHaveLength(0);
  });

  it('maps a wrong password (411) to provider_error and logs it for the operator without secrets', async () => {
    const { log, lines } = capturingLog();
    const err = await appErrorOf(provider({ password: 'wrong-password-xyz', log }).send(request()));
    expect(err.code).toBe('provider_error');
    expect(main.received.at(-1)?.form.password).toBe('wrong-password-xyz');

    // time and pid are numbers that could contain any digits by chance: leave them out.
    const logged = lines.map((l) => JSON.stringify({ ...JSON.parse(l), time: 0, pid: 0 })).join('\n');
    const errors = lines.map((l) => JSON.parse(l) as { level: number; providerCode?: number }).filter((l) => l.level >= 50);
    expect(errors.some((l) => l.providerCode === 411)).toBe(true);
    expect(logged).not.toContain('wrong-password-xyz');
    expect(logged).not.toContain('79161234567');
    expect(logged).not.toContain('123456');
    expect(logged).not.toContain('Код подтверждения');
    expect(reserve.received).toHaveLength(0);
  });

  it('maps a missing login (401) and account errors to provider_error', async () => {
    expect((await appErrorOf(provider({ login: '' }).send(request()))).code).toBe('provider_error');
    expect(main.received[0].form.login).toBe('');
    main.setMode('error:415');
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_error');
  });

  it('maps an undocumented error code to provider_error at warn level', async () => {
    const { log, lines } = capturingLog();
    main.setMode('error:999');
    expect((await appErrorOf(provider({ log }).send(request()))).code).toBe('provider_error');
    const levels = lines.map((l) => (JSON.parse(l) as { level: number }).level);
    expect(levels).toContain(40);
    expect(levels.every((l) => l < 50)).toBe(true);
  });

  it('fails over to the reserve host once on code 1000', async () => {
    main.setMode('error1000');
    const result = await provider().send(request());
    expect(main.received).toHaveLength(1);
    expect(reserve.received).toHaveLength(1);
    expect(result.providerRef).toBe(reserve.messages[0].smsId);
    expect(reserve.lastCode(PHONE)).toBe('123456');
  });

  it('answers provider_unavailable when both hosts answer code 1000', async () => {
    main.setMode('error1000');
    reserve.setMode('error1000');
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_unavailable');
    expect(main.received).toHaveLength(1);
    expect(reserve.received).toHaveLength(1);
  });

  it('fails over to the reserve host when the main host refuses the connection', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/multi.php`;
    const result = await provider({ url: closed }).send(request());
    expect(reserve.received).toHaveLength(1);
    expect(result.providerRef).toBe(reserve.messages[0].smsId);
  });

  it('answers provider_unavailable when neither host can be reached', async () => {
    const p = provider({
      url: `http://127.0.0.1:${await freePort()}/multi.php`,
      reserveUrl: `http://127.0.0.1:${await freePort()}/multi.php`,
    });
    expect((await appErrorOf(p.send(request()))).code).toBe('provider_unavailable');
  });

  it("maps the reserve host's error reply like the main host's", async () => {
    reserve.setMode('error:411');
    const p = provider({ url: `http://127.0.0.1:${await freePort()}/multi.php` });
    expect((await appErrorOf(p.send(request()))).code).toBe('provider_error');
    reserve.setMode('error:428');
    expect((await appErrorOf(p.send(request()))).code).toBe('invalid_phone_number');
  });

  it('never fails over after a request went unanswered (it may have been queued)', async () => {
    main.setMode('hang');
    const started = Date.now();
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_unavailable');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(main.received).toHaveLength(1);
    expect(reserve.received).toHaveLength(0);
  });

  it('never fails over after an HTTP 5xx', async () => {
    main.setMode('http500');
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_unavailable');
    expect(reserve.received).toHaveLength(0);
  });

  it('never fails over after an unreadable 200 reply', async () => {
    main.setMode('garbage');
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_error');
    expect(reserve.received).toHaveLength(0);
  });

  it('waits for a slow answer inside the timeout', async () => {
    main.setMode('slow:100');
    const result = await provider().send(request());
    expect(result.providerRef).toBe(main.messages[0].smsId);
  });

  it('is built from the configuration by smsTrafficFromConfig', async () => {
    const config = testConfig({
      SMS_PROVIDER: 'smstraffic',
      SMSTRAFFIC_URL: main.url,
      SMSTRAFFIC_RESERVE_URL: reserve.url,
      SMSTRAFFIC_LOGIN: 'acme',
      SMSTRAFFIC_PASSWORD: PASSWORD,
    });
    const p = smsTrafficFromConfig(config, http, pino({ level: 'silent' }));
    expect(p.channel).toBe('sms');
    expect(p.name).toBe('smstraffic');
    await p.send(request());
    expect(main.received[0].form.originator).toBe('Originator');
  });
});

describe('SmsTrafficProvider.queryStatus', () => {
  it('reads the single-id reply shape', async () => {
    const { providerRef } = await provider().send(request());
    main.setStatus(providerRef, 'Delivered', new Date('2026-11-22T10:00:05Z'));

    const [s, ...rest] = await provider().queryStatus([providerRef]);
    expect(rest).toHaveLength(0);
    expect(s).toEqual({ smsId: providerRef, status: 'Delivered', mapped: 'delivered', at: new Date('2026-11-22T10:00:05Z') });
    expect(main.received.at(-1)?.form).toMatchObject({ operation: 'status', sms_id: providerRef, login: 'acme' });
  });

  it('reads the multi-id reply shape, with per-id errors for unknown ids', async () => {
    const a = (await provider().send(request())).providerRef;
    const b = (await provider().send(request({ to: '+79161234568' }))).providerRef;
    main.setStatus(b, 'Non Delivered');

    const statuses = await provider().queryStatus([a, b, '99999999999999999999']);
    expect(statuses.map((s) => [s.smsId, s.status, s.mapped])).toEqual([
      [a, '', undefined],
      [b, 'Non Delivered', 'undelivered'],
      ['99999999999999999999', '', undefined],
    ]);
    expect(statuses[2].error).toMatch(/no such message/);
  });

  it('asks at most 15 ids per request', async () => {
    const ids = Array.from({ length: 17 }, (_, i) => `1${String(i).padStart(19, '0')}`);
    const statuses = await provider().queryStatus(ids);
    expect(statuses.map((s) => s.smsId)).toEqual(ids);
    expect(main.received.map((r) => r.form.sms_id.split(',').length)).toEqual([15, 2]);
  });

  it('fails over to the reserve host on code 1000', async () => {
    main.setMode('error1000');
    const [s] = await provider().queryStatus(['10000000000000000001']);
    expect(s.error).toMatch(/no such message/);
    expect(reserve.received).toHaveLength(1);
  });
});

describe('mapDeliveryStatus', () => {
  it.each<[string, string | undefined]>([
    ...REPORTED_STATUSES,
    ['DELIVERED', 'delivered'],
    ['UNDELIVERED', 'undelivered'],
    ['READ', 'delivered'],
    ['', undefined],
    ['Unknown status', 'undelivered'],
    ['Acceptd', undefined],
    ['something new', undefined],
  ])('%j → %s', (status, mapped) => {
    expect(mapDeliveryStatus(status)).toBe(mapped);
  });
});

describe('parseDeliveryDate', () => {
  it('reads Moscow time (UTC+3)', () => {
    expect(parseDeliveryDate('2026-11-22 13:00:05')?.toISOString()).toBe('2026-11-22T10:00:05.000Z');
    expect(parseDeliveryDate('2013-11-07 17:04')?.toISOString()).toBe('2013-11-07T14:04:00.000Z');
  });

  it('reads Moscow time only for Russian and Ukrainian numbers; other countries are left as reported', () => {
    expect(parseDeliveryDate('2026-11-22 13:00:05', '+79161234567')?.toISOString()).toBe('2026-11-22T10:00:05.000Z');
    expect(parseDeliveryDate('2026-11-22 13:00:05', '+380501234567')?.toISOString()).toBe('2026-11-22T10:00:05.000Z');
    for (const phone of ['+77011234567', '+4915112345678', '+5511912345678']) {
      expect(parseDeliveryDate('2026-11-22 13:00:05', phone)).toBeUndefined();
    }
  });

  it('gives undefined for anything else', () => {
    for (const s of ['', 'yesterday', '2026-13-45 99:00:00', '22.11.2026 13:00:05', undefined]) {
      expect(parseDeliveryDate(s)).toBeUndefined();
    }
  });
});

describe('fake SMS Traffic delivery reports', () => {
  it('posts sms_id, status and a Moscow delivery_date as a form', async () => {
    const bodies: string[] = [];
    const target = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(body);
        res.end();
      });
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    try {
      const { port } = target.address() as AddressInfo;
      const sent = await main.sendDeliveryReport(`http://127.0.0.1:${port}/cb`, '12345678901234567890', 'Delivered', new Date('2026-11-22T10:00:05Z'));
      expect(sent.status).toBe(200);
      expect(Object.fromEntries(new URLSearchParams(bodies[0]))).toEqual({
        sms_id: '12345678901234567890',
        status: 'Delivered',
        delivery_date: '2026-11-22 13:00:05',
      });
    } finally {
      await new Promise((r) => target.close(r));
    }
  });
});
