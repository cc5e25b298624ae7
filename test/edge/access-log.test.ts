import { afterEach, describe, expect, it } from 'vitest';
import { safeUrl } from '../../src/logger.js';
import { formatLine } from '../../src/log-pretty.js';
import { makeApp, PHONE, type TestApp } from '../helpers/app.js';

// One access line per request, request ids in and out, callback tokens never logged.

const lines = (t: TestApp) =>
  t
    .logs()
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const access = (t: TestApp) => lines(t).filter((l) => l.msg === 'request');

describe('access log and request ids', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it('writes one line per request with route, status, time, request id, client and verification; none for probes', async () => {
    t = await makeApp({ store: 'embedded' });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE }, headers: { 'x-request-id': 'caller-req-1' } })).json();
    await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` });
    await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: '000000' } });
    await t.call({ method: 'GET', url: '/healthz', key: null });
    await t.call({ method: 'GET', url: '/readyz', key: null });
    await t.call({ method: 'GET', url: '/metrics', key: null });
    await t.call({ method: 'GET', url: '/no/such/route' });
    const a = access(t);
    expect(a).toHaveLength(4);
    expect(a[0]).toMatchObject({ method: 'POST', route: '/v1/verifications', status: 201, reqId: 'caller-req-1', clientId: 'acme', verificationId: v.id });
    expect(typeof a[0].ms).toBe('number');
    expect(a[1]).toMatchObject({ method: 'GET', route: '/v1/verifications/:id', status: 200, verificationId: v.id });
    expect(a[2]).toMatchObject({ route: '/v1/verifications/check', status: 200, verificationId: v.id });
    expect(a[3]).toMatchObject({ method: 'GET', route: null, status: 404 });
    // Fastify's own two lines per request are off.
    expect(lines(t).filter((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toEqual([]);
    // The domain line of the start carries the same request id.
    expect(lines(t).find((l) => l.msg === 'verification started')).toMatchObject({ reqId: 'caller-req-1' });
  });

  it('writes the access line in the shape of every other line, and none below LOG_LEVEL', async () => {
    t = await makeApp({ store: 'embedded' });
    await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } });
    const started = lines(t).find((l) => l.msg === 'verification started')!;
    const line = access(t)[0];
    expect(Object.keys(line).slice(0, 5)).toEqual(['level', 'time', 'pid', 'hostname', 'reqId']);
    expect(line).toMatchObject({ level: 30, pid: started.pid, hostname: started.hostname, reqId: started.reqId });
    expect(Math.abs(Number(line.time) - Number(started.time))).toBeLessThan(60_000);
    await t.close();
    t = await makeApp({ store: 'embedded', env: { LOG_LEVEL: 'warn' } });
    await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } });
    expect(t.logs()).not.toContain('"msg":"request"');
  });

  it('echoes a sane X-Request-Id and replaces anything else, on every answer', async () => {
    t = await makeApp({ store: 'embedded' });
    const ok = await t.call({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc.DEF:123-_x' } });
    expect(ok.headers['x-request-id']).toBe('abc.DEF:123-_x');
    for (const bad of ['has space', 'x'.repeat(129), 'quote"', 'tab\tx', '']) {
      const r = await t.call({ method: 'GET', url: '/healthz', headers: { 'x-request-id': bad } });
      expect(r.headers['x-request-id']).not.toBe(bad);
      expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const answers = [
      await t.call({ method: 'GET', url: '/nope' }),
      await t.call({ method: 'GET', url: '/v1/verifications/vf_unknown' }),
      await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: 'x' } }),
      await t.call({ method: 'GET', url: '/v1/verifications/x', key: 'wrong-key-wrong-key-wrong' }),
      await t.call({ method: 'GET', url: '/v1/verifications/a%ZZ' }),
    ];
    for (const r of answers) {
      expect(r.statusCode).toBeGreaterThanOrEqual(400);
      expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Every answer gets its own id.
    expect(new Set(answers.map((r) => r.headers['x-request-id'])).size).toBe(answers.length);
  });

  it('answers 401 with WWW-Authenticate: Bearer', async () => {
    t = await makeApp({ store: 'embedded' });
    for (const key of [null, 'wrong-key-wrong-key-wrong']) {
      const r = await t.call({ method: 'GET', url: '/v1/verifications/x', key });
      expect(r.statusCode).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('redirects / to the documentation', async () => {
    t = await makeApp({ store: 'embedded' });
    const r = await t.call({ method: 'GET', url: '/', key: null });
    expect(r.statusCode).toBe(302);
    expect(r.headers.location).toBe('/docs');
  });
});

describe('callback tokens stay out of the logs', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it('masks every segment after /v1/callbacks/ whatever its case, encoding or empty segments', async () => {
    const token = 'cb-token-0123456789abcdefghij';
    t = await makeApp({ store: 'embedded', env: { LOG_LEVEL: 'trace', CALLBACK_TOKEN: token } });
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const paths = [
      `/v1/callbacks/SmsTraffic/${token}`,
      `/v1/callbacks/twilio%2Fvoice/${token}`,
      `/v1/callbacks//smstraffic/${token}`,
      `/V1/Callbacks/smstraffic/${token}`,
      `/v1/callbacks/smstraffic/${token}`,
      `/v1/callbacks/smstraffic/${token}?x=1`,
      `/v1/callbacks/twilio/voice/${token}`,
      `/v1/callbacks/smstraffic/${token}%ZZ`,
      `/v1/callbacks/smstraffic/${token}${'a'.repeat(20_000)}`,
      `/v1/%63allbacks/smstraffic/${token}`,
      `/v1/callbacks%252Fsmstraffic%252F${token}`,
      `/v1/./callbacks/smstraffic/${token}`,
      `/./v1//.//callbacks/smstraffic/${token}`,
      `/v1/%2e/callbacks/smstraffic/${token}`,
      `/v1\\callbacks\\smstraffic\\${token}`,
    ];
    for (const url of paths) await t.call({ method: 'POST', url, payload: 'sms_id=1&status=Delivered', headers: form, key: null });
    expect(t.logs()).toContain('"msg":"request"');
    expect(t.logs()).not.toContain(token);
    for (const p of paths) expect(safeUrl(p)).toBe('/v1/callbacks/***');
    expect(safeUrl('/v1/callbacks%2Fsmstraffic%2Fsecret')).toBe('/v1/callbacks/***');
    expect(safeUrl('/v1/verifications/vf_1?x=2')).toBe('/v1/verifications/vf_1');
  });
});

describe('pretty lines on a terminal', () => {
  it('shows time, level, message and the other fields', () => {
    const line = JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 10, 11, 12, 345), pid: 1, hostname: 'h', reqId: 'r1', msg: 'hello', n: 2 });
    expect(formatLine(line, false)).toBe('10:11:12.345 WARN  hello reqId=r1 n=2\n');
    expect(formatLine('not json', false)).toBe('not json\n');
  });
});
