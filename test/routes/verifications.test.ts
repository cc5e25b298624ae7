import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { KEY_GLOBEX, makeApp, PHONE, PHONE_NATIONAL, STORES, uniquePhone, type TestApp } from '../helpers/app.js';

// The contract suite (docs/api.md): the same behaviour from both stores.

const wrongCode = (code: string) => code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));

describe.each(STORES)('verifications contract (%s store)', (store) => {
  let t: TestApp;
  afterEach(async () => t?.close());

  const start = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.call({ method: 'POST', url: '/v1/verifications', payload: body, headers });
  const check = (body: Record<string, unknown>, key?: string) =>
    t.call({ method: 'POST', url: '/v1/verifications/check', payload: body, key });

  it('runs the full lifecycle: start, wrong code, right code, then refuses further checks', async () => {
    t = await makeApp({ store });
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
    t = await makeApp({ store });
    const v = (await start({ to: PHONE })).json();
    const res = await check({ to: PHONE_NATIONAL, code: t.sms.lastCode() });
    expect(res.json()).toMatchObject({ id: v.id, status: 'approved', valid: true });
    const none = await check({ to: '+79160000000', code: '123456' });
    expect(none.statusCode).toBe(404);
  });

  it('ends with max_attempts_reached on the wrong code that uses the last check', async () => {
    t = await makeApp({ store, env: { MAX_CHECK_ATTEMPTS: '3' } });
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
    t = await makeApp({ store });
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

  it('resends a new code; only the latest code is valid', async () => {
    t = await makeApp({ store });
    const v = (await start({ to: PHONE })).json();
    const first = t.sms.lastCode();
    const res = await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/resend`, payload: {} });
    expect(res.statusCode).toBe(200);
    expect(res.json().attempts).toHaveLength(2);
    expect(res.json().sendsRemaining).toBe(3);
    const second = t.sms.lastCode();
    if (first !== second) {
      const old = await check({ id: v.id, code: first });
      expect(old.json()).toMatchObject({ valid: false, status: 'pending' });
    }
    expect((await check({ id: v.id, code: second })).json()).toMatchObject({ valid: true, status: 'approved' });
  });

  it('resends on another channel', async () => {
    t = await makeApp({ store });
    const v = (await start({ to: PHONE })).json();
    const res = await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/resend`, payload: { channel: 'voice' } });
    expect(res.json()).toMatchObject({ channel: 'voice', codeLength: 6 });
    expect(t.voice.sent).toHaveLength(1);
    expect((await check({ id: v.id, code: t.voice.lastCode() })).json().valid).toBe(true);
  });

  it('enforces the resend cooldown with Retry-After, then max_sends_reached', async () => {
    t = await makeApp({ store, env: { RESEND_COOLDOWN_SECONDS: '30', MAX_SENDS: '2', PHONE_SEND_LIMIT: '100' } });
    const v = (await start({ to: PHONE })).json();
    const resend = () => t.call({ method: 'POST', url: `/v1/verifications/${v.id}/resend` });
    t.clock.advance(10_000);
    const soon = await resend();
    expect(soon.statusCode).toBe(429);
    expect(soon.json().code).toBe('resend_too_soon');
    expect(soon.headers['retry-after']).toBe('20');
    // The resource says the same as Retry-After.
    const read = (await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json();
    expect((Date.parse(read.resendAvailableAt) - t.clock()) / 1000).toBe(20);
    t.clock.advance(20_000);
    const ok = await resend();
    expect(ok.statusCode).toBe(200);
    expect(Date.parse(ok.json().resendAvailableAt)).toBe(Date.parse(ok.json().attempts[1].at) + 30_000);
    t.clock.advance(30_000);
    const max = await resend();
    expect(max.statusCode).toBe(429);
    expect(max.json().code).toBe('max_sends_reached');
  });

  it('applies the cooldown to a new start to the same number too', async () => {
    t = await makeApp({ store, env: { RESEND_COOLDOWN_SECONDS: '30' } });
    expect((await start({ to: PHONE })).statusCode).toBe(201);
    const again = await start({ to: PHONE });
    expect(again.statusCode).toBe(429);
    expect(again.json().code).toBe('resend_too_soon');
    expect(Number(again.headers['retry-after'])).toBe(30);
  });

  it('limits sends per phone number per window across verifications', async () => {
    t = await makeApp({ store, env: { PHONE_SEND_LIMIT: '2', PHONE_SEND_WINDOW_SECONDS: '600' } });
    expect((await start({ to: PHONE })).statusCode).toBe(201);
    t.clock.advance(1000);
    expect((await start({ to: PHONE })).statusCode).toBe(201);
    t.clock.advance(1000);
    const third = await start({ to: PHONE });
    expect(third.statusCode).toBe(429);
    expect(third.json().code).toBe('rate_limited');
    expect(Number(third.headers['retry-after'])).toBe(598);
    t.clock.advance(598_000);
    expect((await start({ to: PHONE })).statusCode).toBe(201);
  });

  it('supersedes the same client\'s pending verification to the same number', async () => {
    t = await makeApp({ store });
    const a = (await start({ to: PHONE })).json();
    const codeA = t.sms.lastCode();
    const b = (await start({ to: PHONE_NATIONAL })).json();
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${a.id}` })).json().status).toBe('canceled');
    expect((await check({ id: a.id, code: codeA })).statusCode).toBe(409);
    expect((await check({ id: b.id, code: t.sms.lastCode() })).json().valid).toBe(true);
  });

  it('does not supersede another client\'s verification', async () => {
    t = await makeApp({ store });
    const a = (await start({ to: PHONE })).json();
    const codeA = t.sms.lastCode();
    await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE }, key: KEY_GLOBEX });
    expect((await check({ id: a.id, code: codeA })).json().valid).toBe(true);
  });

  it('cancels a pending verification', async () => {
    t = await makeApp({ store });
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
    t = await makeApp({ store });
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
    t = await makeApp({ store });
    for (const id of ['vf_0000000000000000000000000000000000000000000000000', 'nope', 'vf_', '1', 'vf_' + 'a'.repeat(48), '%00', 'x'.repeat(500)]) {
      const res = await t.call({ method: 'GET', url: `/v1/verifications/${encodeURIComponent(id)}` });
      expect(res.statusCode, id).toBe(404);
      expect(res.json().code).toBe('verification_not_found');
      const c = await check({ id, code: '123456' });
      expect(c.statusCode, id).toBe(404);
    }
  });

  it('requires a valid API key', async () => {
    t = await makeApp({ store });
    const none = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE }, key: null });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('unauthorized');
    const wrong = await t.call({ method: 'GET', url: '/v1/verifications/x', key: 'not-a-key' });
    expect(wrong.statusCode).toBe(401);
    expect(t.sms.sent).toHaveLength(0);
  });

  it('rejects bad input with problem+json 400s', async () => {
    t = await makeApp({ store });
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
    t = await makeApp({ store });
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
    t = await makeApp({ store });
    const v = (await start({ to: PHONE, codeLength: 8, locale: 'pt', sender: 'ACME' })).json();
    expect(v).toMatchObject({ codeLength: 8, locale: 'pt' });
    expect(t.sms.sent[0]).toMatchObject({ locale: 'pt', sender: 'ACME' });
    expect(t.sms.lastCode()).toMatch(/^\d{8}$/);
  });

  it('replays an Idempotency-Key retry without sending again, and refuses the key with another body', async () => {
    t = await makeApp({ store });
    const headers = { 'idempotency-key': 'order-42' };
    const first = await start({ to: PHONE, metadata: { a: 1, b: 2 } }, headers);
    const second = await start({ metadata: { b: 2, a: 1 }, to: PHONE }, headers);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(t.sms.sent).toHaveLength(1);
    const other = await start({ to: uniquePhone() }, headers);
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('idempotency_key_reused');
    // Keys belong to a client: another client's same key is a new request.
    const globex = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE }, headers, key: KEY_GLOBEX });
    expect(globex.statusCode).toBe(201);
    expect(t.sms.sent).toHaveLength(2);
  });

  it('fails a single-channel start whose provider refuses or is unreachable', async () => {
    t = await makeApp({ store });
    t.sms.fail(new AppError('provider_error', 'refused'));
    const refused = await start({ to: PHONE });
    expect(refused.statusCode).toBe(502);
    expect(refused.json().code).toBe('provider_error');
    t.sms.fail(new AppError('provider_unavailable', 'down'));
    const down = await start({ to: uniquePhone() });
    expect(down.statusCode).toBe(503);
    expect(down.json().code).toBe('provider_unavailable');
    // The failed verification is readable and says so.
    const pending = await check({ to: PHONE, code: '123456' });
    expect(pending.statusCode).toBe(404);
  });

  it('keeps the failed verification readable as failed', async () => {
    t = await makeApp({ store });
    const ok = (await start({ to: PHONE })).json();
    t.sms.fail(new AppError('provider_error', 'refused'));
    const res = await t.call({ method: 'POST', url: `/v1/verifications/${ok.id}/resend` });
    expect(res.statusCode).toBe(502);
    const read = (await t.call({ method: 'GET', url: `/v1/verifications/${ok.id}` })).json();
    expect(read.attempts.map((a: { status: string }) => a.status)).toEqual(['sent', 'failed']);
  });

  it('test numbers get their fixed code on every channel, auto included, without a provider', async () => {
    t = await makeApp({ store, env: { TEST_NUMBERS: '+79990000001:123456,+79990000002:4321', AUTO_WORKFLOW: 'flash_call:0.1,sms:0.1,voice' } });
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
    t = await makeApp({ store });
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
