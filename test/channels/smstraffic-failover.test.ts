import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { mapDeliveryStatus, parseDeliveryDate } from '../../src/channels/smstraffic.js';
import { REPORTED_STATUSES } from '../fakes/smstraffic.js';
import { appErrorOf, PHONE } from '../helpers/adapters.js';
import { freePort } from '../helpers/redis-server.js';
import { smsTrafficFixture } from '../helpers/smstraffic.js';

// The SMS Traffic adapter's failover to the reserve host, status queries and delivery reports.
// Sending to the main host: smstraffic.test.ts.

const hosts = smsTrafficFixture();
const { provider, request } = hosts;

describe('SmsTrafficProvider.send: failover to the reserve host', () => {
  it('fails over to the reserve host once on code 1000', async () => {
    hosts.main.setMode('error1000');
    const result = await provider().send(request());
    expect(hosts.main.received).toHaveLength(1);
    expect(hosts.reserve.received).toHaveLength(1);
    expect(result.providerRef).toBe(hosts.reserve.messages[0].smsId);
    expect(hosts.reserve.lastCode(PHONE)).toBe('123456');
  });

  it('answers provider_unavailable when both hosts answer code 1000', async () => {
    hosts.main.setMode('error1000');
    hosts.reserve.setMode('error1000');
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_unavailable');
    expect(hosts.main.received).toHaveLength(1);
    expect(hosts.reserve.received).toHaveLength(1);
  });

  it('fails over to the reserve host when the main host refuses the connection', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/multi.php`;
    const result = await provider({ url: closed }).send(request());
    expect(hosts.reserve.received).toHaveLength(1);
    expect(result.providerRef).toBe(hosts.reserve.messages[0].smsId);
  });

  it('answers provider_unavailable when neither host can be reached', async () => {
    const p = provider({
      url: `http://127.0.0.1:${await freePort()}/multi.php`,
      reserveUrl: `http://127.0.0.1:${await freePort()}/multi.php`,
    });
    expect((await appErrorOf(p.send(request()))).code).toBe('provider_unavailable');
  });

  it("maps the reserve host's error reply like the main host's", async () => {
    hosts.reserve.setMode('error:411');
    const p = provider({ url: `http://127.0.0.1:${await freePort()}/multi.php` });
    expect((await appErrorOf(p.send(request()))).code).toBe('provider_error');
    hosts.reserve.setMode('error:428');
    expect((await appErrorOf(p.send(request()))).code).toBe('invalid_phone_number');
  });

  it('never fails over after a request went unanswered (it may have been queued)', async () => {
    hosts.main.setMode('hang');
    const started = Date.now();
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_unavailable');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(hosts.main.received).toHaveLength(1);
    expect(hosts.reserve.received).toHaveLength(0);
  });

  it('never fails over after an HTTP 5xx', async () => {
    hosts.main.setMode('http500');
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_unavailable');
    expect(hosts.reserve.received).toHaveLength(0);
  });

  it('never fails over after an unreadable 200 reply', async () => {
    hosts.main.setMode('garbage');
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_error');
    expect(hosts.reserve.received).toHaveLength(0);
  });
});

describe('SmsTrafficProvider.queryStatus', () => {
  it('reads the single-id reply shape', async () => {
    const { providerRef } = await provider().send(request());
    hosts.main.setStatus(providerRef, 'Delivered', new Date('2026-11-22T10:00:05Z'));

    const [s, ...rest] = await provider().queryStatus([providerRef]);
    expect(rest).toHaveLength(0);
    expect(s).toEqual({ smsId: providerRef, status: 'Delivered', mapped: 'delivered', at: new Date('2026-11-22T10:00:05Z') });
    expect(hosts.main.received.at(-1)?.form).toMatchObject({ operation: 'status', sms_id: providerRef, login: 'acme' });
  });

  it('reads the multi-id reply shape, with per-id errors for unknown ids', async () => {
    const a = (await provider().send(request())).providerRef;
    const b = (await provider().send(request({ to: '+79161234568' }))).providerRef;
    hosts.main.setStatus(b, 'Non Delivered');

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
    expect(hosts.main.received.map((r) => r.form.sms_id.split(',').length)).toEqual([15, 2]);
  });

  it('fails over to the reserve host on code 1000', async () => {
    hosts.main.setMode('error1000');
    const [s] = await provider().queryStatus(['10000000000000000001']);
    expect(s.error).toMatch(/no such message/);
    expect(hosts.reserve.received).toHaveLength(1);
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
      const sent = await hosts.main.sendDeliveryReport(`http://127.0.0.1:${port}/cb`, '12345678901234567890', 'Delivered', new Date('2026-11-22T10:00:05Z'));
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
