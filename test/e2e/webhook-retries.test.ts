import { afterEach, describe, expect, inject, it } from 'vitest';
import { KEY_GLOBEX, PRODUCTION_ENV, STORES, uniquePhone } from '../helpers/app.js';
import { startReceiver, TEST_WEBHOOK_SECRET } from '../fakes/webhook-receiver.js';
import { hookedApp, sleep, until, type HookedApp } from '../helpers/webhooks.js';

// Retries keep the webhook-id, later events wait for earlier ones, and an event that fails the
// whole schedule is kept, listed and can be sent again.

describe.each(STORES)('webhook retries and failed events (%s store)', (store) => {
  const apps: HookedApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  const open = async (more: Partial<Parameters<typeof hookedApp>[0]> = {}) => {
    const a = await hookedApp({ store, ...more });
    apps.push(a);
    return a;
  };
  const start = (t: HookedApp) => t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone() } });

  it('retries a failing receiver with the same webhook-id, and holds later events until then', async () => {
    // The first event fails twice, then everything succeeds.
    const t = await open({ answer: (n) => (n <= 2 ? 503 : 204) });
    const v = (await start(t)).json();
    await until('all events', () => t.receiver.hooks.length >= 4);
    await sleep(100);
    const seen = t.receiver.hooks.map((h) => h.type);
    expect(seen).toEqual(['verification.started', 'verification.started', 'verification.started', 'attempt.sent']);
    const ids = t.receiver.hooks.slice(0, 3).map((h) => h.id);
    expect(new Set(ids).size).toBe(1);
    expect(t.receiver.hooks.every((h) => h.verified && h.verificationId === v.id)).toBe(true);
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/otpgate_webhook_deliveries_total\{type="verification.started",outcome="retried"\} 2/);
    expect(metrics).toMatch(/otpgate_webhook_deliveries_total\{type="verification.started",outcome="delivered"\} 1/);
    expect(metrics).toMatch(/otpgate_webhook_events_total\{type="attempt.sent"\} 1/);
    expect(metrics).toMatch(/otpgate_webhook_delivery_seconds_count 4/);
  });

  it('keeps an event that failed every attempt, lists it for its client only, and sends it again on request', async () => {
    let up = false;
    const t = await open({ answer: () => (up ? 200 : 500) });
    const v = (await start(t)).json();
    // 1 + 3 retries of started, then 4 of attempt.sent: both end as failed.
    await until('both events failed', async () => (await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json().events.length === 2);
    expect(t.receiver.hooks).toHaveLength(8);
    const { events } = (await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json();
    expect(events.map((e: { type: string }) => e.type)).toEqual(['attempt.sent', 'verification.started']); // newest first
    expect(events[1]).toEqual({
      id: t.receiver.hooks[0].id,
      type: 'verification.started',
      verificationId: v.id,
      timestamp: expect.any(String),
      attempts: 4,
      lastStatus: 500,
      lastAttemptAt: expect.any(String),
    });
    expect(t.logs()).toMatch(/webhook delivery failed/);
    expect(t.logs()).not.toContain(v.to);
    const metrics = (await t.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/otpgate_webhook_dead_letters_total 2/);
    expect(metrics).toMatch(/outcome="dead"\} 1/);

    // Another client sees none of them and cannot retry them.
    expect((await t.call({ method: 'GET', url: '/v1/webhooks/failed', key: KEY_GLOBEX })).json()).toEqual({ events: [] });
    expect((await t.call({ method: 'POST', url: `/v1/webhooks/failed/${events[1].id}/retry`, key: KEY_GLOBEX })).statusCode).toBe(404);

    up = true;
    const retried = await t.call({ method: 'POST', url: `/v1/webhooks/failed/${events[1].id}/retry` });
    expect(retried.statusCode).toBe(202);
    await until('the re-sent event', () => t.receiver.hooks.length === 9);
    expect(t.receiver.hooks[8]).toMatchObject({ id: events[1].id, type: 'verification.started', verified: true });
    const after = (await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json().events;
    expect(after.map((e: { id: string }) => e.id)).toEqual([events[0].id]);
    const unknown = await t.call({ method: 'POST', url: '/v1/webhooks/failed/evt_nope/retry' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().code).toBe('webhook_event_not_found');
  });

  it('treats a redirect, a timeout and a huge answer body as failures or successes without following or reading them', async () => {
    const t = await open({
      webhookTuning: { timeoutMs: 300 },
      env: { WEBHOOK_RETRY_SCHEDULE: '0.05s' },
      answer: (n) =>
        n === 1
          ? { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }
          : n === 2
            ? 'hang'
            : { status: 200, body: 'x'.repeat(1024 * 1024) },
    });
    await start(t);
    await until('three requests', () => t.receiver.hooks.length >= 3);
    await until('the failed event', async () => (await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json().events.length === 1);
    const [failed] = (await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json().events;
    expect(failed).toMatchObject({ type: 'verification.started', attempts: 2, lastStatus: null });
    await sleep(200);
    // The third request (attempt.sent) got a 200 with a large body: delivered once, not retried.
    expect(t.receiver.hooks.map((h) => h.type)).toEqual(['verification.started', 'verification.started', 'attempt.sent']);
  });

  it('answers an empty list when webhooks are off', async () => {
    const t = await open({ env: { WEBHOOK_URL: '' } });
    expect((await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json()).toEqual({ events: [] });
    expect((await t.call({ method: 'GET', url: '/v1/webhooks/failed', key: null })).statusCode).toBe(401);
  });
});

describe('webhooks in production', () => {
  const SHOP_KEY = PRODUCTION_ENV.API_KEYS.split(':')[1];
  it('never connects to a loopback endpoint unless WEBHOOK_ALLOW_PRIVATE=true', async () => {
    const receiver = await startReceiver(TEST_WEBHOOK_SECRET);
    const url = receiver.url.replace('http:', 'https:');
    const env = { ...PRODUCTION_ENV, REDIS_URL: inject('redisUrl'), WEBHOOK_URL: url, WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET, WEBHOOK_RETRY_SCHEDULE: '0.05s' };
    const strict = await hookedApp({ store: 'redis', env, receiver });
    try {
      await strict.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone() }, key: SHOP_KEY });
      await until('both events failed', async () => (await strict.call({ method: 'GET', url: '/v1/webhooks/failed', key: SHOP_KEY })).json().events.length === 2);
      expect(strict.logs()).toMatch(/non-public address/);
      expect(receiver.connections()).toBe(0);
    } finally {
      await strict.close();
    }
    // Allowed: the connection is made (the plain-HTTP receiver then fails the TLS handshake).
    const open = await hookedApp({ store: 'redis', env: { ...env, WEBHOOK_ALLOW_PRIVATE: 'true' }, receiver });
    try {
      await open.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone() }, key: SHOP_KEY });
      await until('a connection', () => receiver.connections() > 0);
    } finally {
      await open.close();
      await receiver.close();
    }
  });
});
