import { describe, expect, it } from 'vitest';
import { KEY_GLOBEX, PHONE, PHONE_NATIONAL, STORES, wrongCode } from '../helpers/app.js';
import { contractFixture } from '../helpers/verifications.js';

// The contract suite (docs/api.md): the same behaviour from both stores. This file: the
// lifecycle, checks, cancel, access and input; verifications-sending.test.ts: resends, limits,
// supersede, idempotency and provider failures.

describe.each(STORES)('verifications contract (%s store)', (store) => {
  const { open, start, check } = contractFixture(store);

  it('runs the full lifecycle: start, wrong code, right code, then refuses further checks', async () => {
    const t = await open();
    const res = await start({ to: PHONE_NATIONAL, metadata: { orderId: 42 } });
    expect(res.statusCode).toBe(201);
    const v = res.json();
    expect(v).toMatchObject({
      to: PHONE,
      channel: 'sms',
      status: 'pending',
      locale: 'ru',
      codeLength: 6,
      checksRemaining: 5,
      sendsRemaining: 4,
      metadata: { orderId: 42 },
    });
    expect(v.id).toMatch(/^vf_/);
    expect(Date.parse(v.expiresAt) - Date.parse(v.createdAt)).toBe(600_000);
    expect(v.attempts).toEqual([
      expect.objectContaining({ channel: 'sms', provider: 'recorder', status: 'sent', providerRef: 'recorder-1' }),
    ]);
    const code = t.sms.lastCode();
    expect(code).toMatch(/^\d{6}$/);
    expect(t.sms.sent[0].to).toBe(PHONE);

    const wrong = await check({ id: v.id, code: wrongCode(code) });
    expect(wrong.statusCode).toBe(200);
    expect(wrong.json()).toEqual({ id: v.id, status: 'pending', valid: false, checksRemaining: 4 });

    const right = await check({ id: v.id, code });
    expect(right.json()).toEqual({ id: v.id, status: 'approved', valid: true, checksRemaining: 3 });

    const again = await check({ id: v.id, code });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json()).toMatchObject({ code: 'verification_not_pending', verificationStatus: 'approved', status: 409 });

    const read = await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: v.id, status: 'approved' });
  });

  it('checks by phone number instead of id', async () => {
    const t = await open();
    const v = (await start({ to: PHONE })).json();
    const res = await check({ to: PHONE_NATIONAL, code: t.sms.lastCode() });
    expect(res.json()).toMatchObject({ id: v.id, status: 'approved', valid: true });
    const none = await check({ to: '+79160000000', code: '123456' });
    expect(none.statusCode).toBe(404);
  });

  it('ends with max_attempts_reached on the wrong code that uses the last check', async () => {
    const t = await open({ env: { MAX_CHECK_ATTEMPTS: '3' } });
    const v = (await start({ to: PHONE })).json();
    const code = t.sms.lastCode();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await check({ id: v.id, code: wrongCode(code) })).json());
    expect(statuses.map((s) => [s.status, s.checksRemaining])).toEqual([
      ['pending', 2],
      ['pending', 1],
      ['max_attempts_reached', 0],
    ]);
    const right = await check({ id: v.id, code });
    expect(right.statusCode).toBe(409);
    expect(right.json().verificationStatus).toBe('max_attempts_reached');
  });

  it('expires codes after their TTL', async () => {
    const t = await open();
    const v = (await start({ to: PHONE, ttlSeconds: 30 })).json();
    t.clock.advance(29_000);
    const code = t.sms.lastCode();
    expect((await check({ id: v.id, code: wrongCode(code) })).json().status).toBe('pending');
    t.clock.advance(1_000);
    // Read before anything else touches it: already expired.
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json().status).toBe('expired');
    const late = await check({ id: v.id, code });
    expect(late.statusCode).toBe(409);
    expect(late.json().verificationStatus).toBe('expired');
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json().status).toBe('expired');
  });

  it('cancels a pending verification', async () => {
    const t = await open();
    const v = (await start({ to: PHONE })).json();
    const res = await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/cancel` });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('canceled');
    const again = await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/cancel` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'verification_not_pending', verificationStatus: 'canceled' });
    expect((await check({ id: v.id, code: t.sms.lastCode() })).statusCode).toBe(409);
    const resend = await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/resend` });
    expect(resend.statusCode).toBe(409);
  });

  it('hides one client\'s verifications from another (404)', async () => {
    const t = await open();
    const v = (await start({ to: PHONE })).json();
    const code = t.sms.lastCode();
    for (const [method, url, payload] of [
      ['GET', `/v1/verifications/${v.id}`, undefined],
      ['POST', `/v1/verifications/${v.id}/resend`, {}],
      ['POST', `/v1/verifications/${v.id}/cancel`, undefined],
      ['POST', '/v1/verifications/check', { id: v.id, code }],
      ['POST', '/v1/verifications/check', { to: PHONE, code }],
    ] as const) {
      const res = await t.call({ method, url, payload, key: KEY_GLOBEX });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().code).toBe('verification_not_found');
    }
    expect((await check({ id: v.id, code })).json().valid).toBe(true);
  });

  it('answers 404 for ids that were never issued, whatever their shape', async () => {
    const t = await open();
    for (const id of ['vf_0000000000000000000000000000000000000000000000000', 'nope', 'vf_', '1', 'vf_' + 'a'.repeat(48), '%00', 'x'.repeat(500)]) {
      const res = await t.call({ method: 'GET', url: `/v1/verifications/${encodeURIComponent(id)}` });
      expect(res.statusCode, id).toBe(404);
      expect(res.json().code).toBe('verification_not_found');
      const c = await check({ id, code: '123456' });
      expect(c.statusCode, id).toBe(404);
    }
  });

  it('requires a valid API key', async () => {
    const t = await open();
    const none = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE }, key: null });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('unauthorized');
    const wrong = await t.call({ method: 'GET', url: '/v1/verifications/x', key: 'not-a-key' });
    expect(wrong.statusCode).toBe(401);
    expect(t.sms.sent).toHaveLength(0);
  });

  it('rejects bad input with problem+json 400s', async () => {
    const t = await open();
    const cases: [Record<string, unknown>, string][] = [
      [{ to: 'hello' }, 'invalid_phone_number'],
      [{ to: '+7 495 123-45-67' }, 'invalid_phone_number'], // a landline cannot receive codes
      [{ to: '12' }, 'invalid_phone_number'],
      [{ to: 79161234567 }, 'invalid_phone_number'],
      [{}, 'invalid_request'],
      [{ to: PHONE, channel: 'pigeon' }, 'invalid_request'],
      [{ to: PHONE, ttlSeconds: 29 }, 'invalid_request'],
      [{ to: PHONE, ttlSeconds: 3601 }, 'invalid_request'],
      [{ to: PHONE, codeLength: 3 }, 'invalid_request'],
      [{ to: PHONE, codeLength: 11 }, 'invalid_request'],
      [{ to: PHONE, locale: 'de' }, 'invalid_request'],
      [{ to: PHONE, surprise: 1 }, 'invalid_request'],
      [{ to: PHONE, metadata: 'x' }, 'invalid_request'],
    ];
    for (const [body, code] of cases) {
      const res = await start(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json(), JSON.stringify(body)).toMatchObject({ code, status: 400 });
      expect(res.json().detail).toBeTruthy();
    }
    const badJson = await t.call({
      method: 'POST',
      url: '/v1/verifications',
      payload: '{"to":',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().code).toBe('invalid_request');
    expect(t.sms.sent).toHaveLength(0);
  });

  it('answers invalid_code_format for malformed codes without using a check', async () => {
    const t = await open();
    const v = (await start({ to: PHONE })).json();
    for (const code of ['12345', '1234567', '12a456', '', ' 123456', 123456]) {
      const res = await check({ id: v.id, code });
      expect(res.statusCode, String(code)).toBe(400);
      expect(res.json().code, String(code)).toBe('invalid_code_format');
    }
    const unknown = await check({ to: '+79160000000', code: 'abcdef' });
    expect(unknown.json().code).toBe('invalid_code_format');
    const neither = await check({ code: '123456' });
    expect(neither.json().code).toBe('invalid_request');
    expect((await check({ id: v.id, code: t.sms.lastCode() })).json()).toMatchObject({ valid: true, checksRemaining: 4 });
  });

  it('uses the request\'s codeLength, locale and sender', async () => {
    const t = await open();
    const v = (await start({ to: PHONE, codeLength: 8, locale: 'pt', sender: 'ACME' })).json();
    expect(v).toMatchObject({ codeLength: 8, locale: 'pt' });
    expect(t.sms.sent[0]).toMatchObject({ locale: 'pt', sender: 'ACME' });
    expect(t.sms.lastCode()).toMatch(/^\d{8}$/);
  });

  it('test numbers get their fixed code on every channel, auto included, without a provider', async () => {
    const t = await open({ env: { TEST_NUMBERS: '+79990000001:123456,+79990000002:4321', AUTO_WORKFLOW: 'flash_call:0.1,sms:0.1,voice' } });
    for (const channel of ['sms', 'voice', 'auto']) {
      const v = (await start({ to: '+79990000001', channel })).json();
      expect(v.codeLength).toBe(6);
      expect((await check({ id: v.id, code: '123456' })).json().valid).toBe(true);
    }
    const auto = (await start({ to: '+79990000002', channel: 'auto' })).json();
    await new Promise((r) => setTimeout(r, 400));
    expect((await check({ id: auto.id, code: '4321' })).json().valid).toBe(true);
    expect([t.sms.sent.length, t.flash.sent.length, t.voice.sent.length]).toEqual([0, 0, 0]);
  });

  it('serves health, readiness, metrics, docs and the OpenAPI document', async () => {
    const t = await open();
    expect((await t.call({ method: 'GET', url: '/healthz', key: null })).json()).toEqual({ status: 'ok' });
    expect((await t.call({ method: 'GET', url: '/readyz', key: null })).json()).toMatchObject({ status: 'ready', store });
    await start({ to: PHONE });
    const metrics = await t.call({ method: 'GET', url: '/metrics', key: null });
    expect(metrics.body).toMatch(/otpgate_verifications_started_total\{channel="sms"\} 1/);
    expect((await t.call({ method: 'GET', url: '/docs', key: null })).statusCode).toBeLessThan(400);
    const doc = (await t.call({ method: 'GET', url: '/openapi.json', key: null })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/verifications/check');
    const unknown = await t.call({ method: 'GET', url: '/nowhere', key: null });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
  });
});
