import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { PHONE, STORES, testClock, uniquePhone, wrongCode } from '../helpers/app.js';
import { hookedApp, sleep, until, type HookedApp } from '../helpers/webhooks.js';

// Every event type reaches a real receiver for its flow, signed (Standard Webhooks, checked
// with the standardwebhooks package), in the contract's shape and in order.

describe.each(STORES)('webhook events (%s store)', (store) => {
  const apps: HookedApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  const open = async (env: Record<string, string> = {}, more: Partial<Parameters<typeof hookedApp>[0]> = {}) => {
    const a = await hookedApp({ store, env, ...more });
    apps.push(a);
    return a;
  };
  const start = (t: HookedApp, body: Record<string, unknown> = {}) =>
    t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone(), ...body } });
  const check = (t: HookedApp, id: string, code: string) => t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id, code } });
  const typesOf = (t: HookedApp, id: string) => t.receiver.ofVerification(id).map((h) => h.type);
  const waitTypes = async (t: HookedApp, id: string, types: string[]) => {
    await until(`${types.join(', ')} for ${id}`, () => typesOf(t, id).length >= types.length);
    await sleep(100); // nothing more arrives
    expect(typesOf(t, id)).toEqual(types);
  };

  it('sends started, attempt.sent and approved, signed, with the verification as GET shows it', async () => {
    const t = await open();
    const v = (await start(t, { metadata: { order: 42 } })).json();
    await check(t, v.id, t.sms.lastCode());
    await waitTypes(t, v.id, ['verification.started', 'attempt.sent', 'verification.approved']);
    const hooks = t.receiver.ofVerification(v.id);
    expect(hooks.every((h) => h.verified)).toBe(true);
    expect(new Set(hooks.map((h) => h.id)).size).toBe(3);
    const approved = hooks[2];
    expect(Object.keys(approved.body).sort()).toEqual(['data', 'id', 'timestamp', 'type']);
    expect(approved.body.id).toBe(approved.headers['webhook-id']);
    expect(approved.body.id).toMatch(/^evt_/);
    expect(Date.parse(approved.body.timestamp)).toBeGreaterThan(0);
    const read = (await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json();
    expect(approved.body.data).toEqual(read);
    expect(approved.body.data.metadata).toEqual({ order: 42 });
    expect(JSON.stringify(hooks.map((h) => h.body))).not.toContain(t.sms.lastCode());
    expect(String(approved.headers['webhook-signature'])).toMatch(/^v1,/);
  });

  it('sends canceled, and max_attempts_reached after the last wrong code', async () => {
    const t = await open({ MAX_CHECK_ATTEMPTS: '2' });
    const a = (await start(t)).json();
    await t.call({ method: 'POST', url: `/v1/verifications/${a.id}/cancel` });
    const b = (await start(t)).json();
    await check(t, b.id, wrongCode(t.sms.lastCode()));
    await check(t, b.id, wrongCode(t.sms.lastCode()));
    await waitTypes(t, a.id, ['verification.started', 'attempt.sent', 'verification.canceled']);
    await waitTypes(t, b.id, ['verification.started', 'attempt.sent', 'verification.max_attempts_reached']);
    expect(t.receiver.ofVerification(b.id)[2].body.data).toMatchObject({ status: 'max_attempts_reached', checksRemaining: 0 });
  });

  it('sends attempt.failed and verification.failed when the only channel refuses', async () => {
    const t = await open();
    t.sms.fail(new AppError('provider_error', 'refused'));
    const res = await start(t);
    expect(res.statusCode).toBe(502);
    await until('the events', () => t.receiver.hooks.length >= 3);
    const id = t.receiver.hooks[0].verificationId;
    await waitTypes(t, id, ['verification.started', 'attempt.failed', 'verification.failed']);
  });

  it('sends attempt.delivered and attempt.undelivered from provider reports', async () => {
    const t = await open();
    const a = (await start(t)).json();
    const b = (await start(t)).json();
    await t.app.verifications.applyDeliveryStatus('recorder', 'recorder-1', 'delivered');
    await t.app.verifications.applyDeliveryStatus('recorder', 'recorder-2', 'undelivered');
    await waitTypes(t, a.id, ['verification.started', 'attempt.sent', 'attempt.delivered']);
    await waitTypes(t, b.id, ['verification.started', 'attempt.sent', 'attempt.undelivered']);
    expect(t.receiver.ofVerification(a.id)[2].body.data.attempts[0].status).toBe('delivered');
  });

  it('sends channel_changed with the new channel when auto moves on', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:30,sms:30,voice' });
    t.flash.fail(new AppError('provider_error', 'refused'));
    const v = (await start(t, { channel: 'auto' })).json();
    await waitTypes(t, v.id, ['verification.started', 'attempt.failed', 'verification.channel_changed', 'attempt.sent']);
    expect(t.receiver.ofVerification(v.id)[2].body.data).toMatchObject({ channel: 'sms', codeLength: 6 });
  });

  it('sends verification.expired for a verification nobody touches, from its timer', async () => {
    // The app's clock runs 29 s behind the wall clock, so a 30 s code's wall-clock expiry is
    // a second away; then the clock jumps past it. Nobody calls the API about it after the start.
    const clock = testClock(Date.now() - 29_000);
    const t = await open({}, { clock });
    const v = (await start(t, { ttlSeconds: 30 })).json();
    clock.advance(31_000);
    const startedAt = Date.now();
    await until('the expired event', () => typesOf(t, v.id).includes('verification.expired'), 6000);
    expect(Date.now() - startedAt).toBeLessThan(4000);
    expect(typesOf(t, v.id)).toEqual(['verification.started', 'attempt.sent', 'verification.expired']);
    expect(t.receiver.ofVerification(v.id)[2].body.data.status).toBe('expired');
  });

  it('sends nothing for a client without an endpoint', async () => {
    const t = await open({ WEBHOOK_URL: '', WEBHOOKS: 'globex=http://127.0.0.1:9/none' });
    await start(t, { to: PHONE });
    await sleep(200);
    expect(t.receiver.hooks).toHaveLength(0);
  });
});
