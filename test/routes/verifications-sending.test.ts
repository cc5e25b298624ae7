import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { KEY_GLOBEX, PHONE, PHONE_NATIONAL, STORES, uniquePhone } from '../helpers/app.js';
import { contractFixture } from '../helpers/verifications.js';

// The contract suite (docs/api.md), continued (see verifications.test.ts): resends, the cooldown
// and send limits, supersede, idempotency and provider failures, from both stores.

describe.each(STORES)('verifications contract: sending (%s store)', (store) => {
  const { open, start, check } = contractFixture(store);

  it('resends a new code; only the latest code is valid', async () => {
    const t = await open();
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
    const t = await open();
    const v = (await start({ to: PHONE })).json();
    const res = await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/resend`, payload: { channel: 'voice' } });
    expect(res.json()).toMatchObject({ channel: 'voice', codeLength: 6 });
    expect(t.voice.sent).toHaveLength(1);
    expect((await check({ id: v.id, code: t.voice.lastCode() })).json().valid).toBe(true);
  });

  it('enforces the resend cooldown with Retry-After, then max_sends_reached', async () => {
    const t = await open({ env: { RESEND_COOLDOWN_SECONDS: '30', MAX_SENDS: '2', PHONE_SEND_LIMIT: '100' } });
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
    await open({ env: { RESEND_COOLDOWN_SECONDS: '30' } });
    expect((await start({ to: PHONE })).statusCode).toBe(201);
    const again = await start({ to: PHONE });
    expect(again.statusCode).toBe(429);
    expect(again.json().code).toBe('resend_too_soon');
    expect(Number(again.headers['retry-after'])).toBe(30);
  });

  it('limits sends per phone number per window across verifications', async () => {
    const t = await open({ env: { PHONE_SEND_LIMIT: '2', PHONE_SEND_WINDOW_SECONDS: '600' } });
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
    const t = await open();
    const a = (await start({ to: PHONE })).json();
    const codeA = t.sms.lastCode();
    const b = (await start({ to: PHONE_NATIONAL })).json();
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${a.id}` })).json().status).toBe('canceled');
    expect((await check({ id: a.id, code: codeA })).statusCode).toBe(409);
    expect((await check({ id: b.id, code: t.sms.lastCode() })).json().valid).toBe(true);
  });

  it('does not supersede another client\'s verification', async () => {
    const t = await open();
    const a = (await start({ to: PHONE })).json();
    const codeA = t.sms.lastCode();
    await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE }, key: KEY_GLOBEX });
    expect((await check({ id: a.id, code: codeA })).json().valid).toBe(true);
  });

  it('replays an Idempotency-Key retry without sending again, and refuses the key with another body', async () => {
    const t = await open();
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
    const t = await open();
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
    const t = await open();
    const ok = (await start({ to: PHONE })).json();
    t.sms.fail(new AppError('provider_error', 'refused'));
    const res = await t.call({ method: 'POST', url: `/v1/verifications/${ok.id}/resend` });
    expect(res.statusCode).toBe(502);
    const read = (await t.call({ method: 'GET', url: `/v1/verifications/${ok.id}` })).json();
    expect(read.attempts.map((a: { status: string }) => a.status)).toEqual(['sent', 'failed']);
  });
});
