import { randomBytes } from 'node:crypto';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { testClock, uniquePhone } from '../helpers/app.js';
import { hookedApp, sleep, until, type HookedApp } from '../helpers/webhooks.js';
import { startReceiver, TEST_WEBHOOK_SECRET, type ReceivedHook, type Receiver } from '../fakes/webhook-receiver.js';
import { newEventId } from '../../src/webhooks/message.js';
import { startRedisServer } from '../helpers/redis-server.js';

// Redis deployments: several instances share one queue; a restart loses nothing; a head left
// without a job is found again; expiry timers outlive the instance that set them.

const EXPECTED = {
  approved: ['verification.started', 'attempt.sent', 'verification.approved'],
  canceled: ['verification.started', 'attempt.sent', 'verification.canceled'],
};

/** Event ids in order of first arrival, after checking that no event came after a later one. */
function inOrder(hooks: ReceivedHook[]) {
  const first: string[] = [];
  for (const h of hooks) {
    if (!first.includes(h.id)) first.push(h.id);
    // A repeat (at least once) may only repeat the latest event, never an earlier one.
    else expect(h.id, 'a repeat after a later event').toBe(first.at(-1));
  }
  return first.map((id) => hooks.find((h) => h.id === id)!.type);
}

describe('webhooks on Redis: several instances and restarts', () => {
  const apps: HookedApp[] = [];
  let receiver: Receiver | undefined;
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    await receiver?.close();
    receiver = undefined;
  });
  const keyPrefix = () => `t${randomBytes(4).toString('hex')}:`;
  const open = async (prefix: string, more: Partial<Parameters<typeof hookedApp>[0]> = {}) => {
    const a = await hookedApp({ store: 'redis', keyPrefix: prefix, receiver, ...more, webhookTuning: { sweepMs: 100, staleMs: 300, lockMs: 1000, ...more.webhookTuning } });
    apps.push(a);
    return a;
  };
  const closeApp = async (a: HookedApp) => {
    apps.splice(apps.indexOf(a), 1);
    await a.close();
  };

  it('delivers every event at least once and in order across two instances and a restart', async () => {
    // Every event's first attempt fails, so chains are mid-retry when an instance goes away.
    const seen = new Set<string>();
    receiver = await startReceiver(TEST_WEBHOOK_SECRET, (_n, h) => {
      if (seen.has(h.id)) return 204;
      seen.add(h.id);
      return 503;
    });
    const prefix = keyPrefix();
    const a = await open(prefix);
    const b = await open(prefix);
    const start = async (t: HookedApp) => (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone() } })).json();
    const vs: { v: { id: string }; code: string; end: string }[] = [];
    for (let i = 0; i < 6; i++) vs.push({ v: await start(i % 2 ? b : a), code: (i % 2 ? b : a).sms.lastCode(), end: i % 3 ? 'approved' : 'canceled' });
    await closeApp(a); // in the middle: chains of a's events continue elsewhere
    const a2 = await open(prefix);
    for (const [i, { v, code, end }] of vs.entries()) {
      const t = i % 2 ? a2 : b;
      if (end === 'approved') await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code } });
      else await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/cancel` });
    }
    await until('every event delivered', () => vs.every(({ v }) => new Set(receiver!.ofVerification(v.id).map((h) => h.id)).size === 3), 20_000);
    await sleep(300);
    for (const { v, end } of vs) {
      const hooks = receiver.ofVerification(v.id);
      expect(inOrder(hooks)).toEqual(EXPECTED[end as keyof typeof EXPECTED]);
      expect(hooks.every((h) => h.verified)).toBe(true);
    }
  });

  it('takes over a delivery cut off by an instance that died mid-request, with the same webhook-id', async () => {
    receiver = await startReceiver(TEST_WEBHOOK_SECRET, (n) => (n === 1 ? 'hang' : 204));
    const prefix = keyPrefix();
    const a = await open(prefix, { webhookTuning: { timeoutMs: 3000 } });
    const v = (await a.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone() } })).json();
    await until('the first request', () => receiver!.hooks.length === 1);
    // The instance dies: its worker stops at once, the job keeps a lock nobody renews.
    await (a.app.webhooks as unknown as { worker: Worker }).worker.close(true);
    await open(prefix);
    await until('the same event again, then the next', () => receiver!.ofVerification(v.id).length >= 3, 10_000);
    const hooks = receiver.ofVerification(v.id);
    expect(hooks[1].id).toBe(hooks[0].id);
    expect(inOrder(hooks)).toEqual(['verification.started', 'attempt.sent']);
  });

  it('answers 503 store_unavailable for failed events while Redis is away', async () => {
    receiver = await startReceiver(TEST_WEBHOOK_SECRET);
    const redis = await startRedisServer();
    const t = await open(keyPrefix(), { env: { REDIS_URL: redis.url } });
    let down = false;
    try {
      expect((await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json()).toEqual({ events: [] });
      await redis.stop();
      down = true;
      const res = await t.call({ method: 'GET', url: '/v1/webhooks/failed' });
      expect(res.statusCode).toBe(503);
      expect(res.json().code).toBe('store_unavailable');
      expect((await t.call({ method: 'POST', url: '/v1/webhooks/failed/evt_x/retry' })).json().code).toBe('store_unavailable');
      await redis.start();
      down = false;
      await until('Redis back', async () => (await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).statusCode === 200);
    } finally {
      if (down) await redis.start();
      await closeApp(t); // while its Redis answers
      await redis.stop();
    }
  });

  it('re-queues a head left without a job by an instance that died between two steps', async () => {
    receiver = await startReceiver(TEST_WEBHOOK_SECRET);
    const prefix = keyPrefix();
    const t = await open(prefix);
    // What a crash right after queueing leaves behind: the event in its list, no job.
    const redis = new Redis(inject('redisUrl'));
    const id = newEventId();
    const body = JSON.stringify({ type: 'verification.started', id, timestamp: new Date().toISOString(), data: { id: 'vf_stranded' } });
    const item = { id, type: 'verification.started', clientId: 'acme', verificationId: 'vf_stranded', timestamp: new Date().toISOString(), body, attempts: 0, lastStatus: null, lastAttemptAt: null, made: 0 };
    await redis.rpush(`${prefix}{wh:vf_stranded}:events`, JSON.stringify(item));
    await redis.zadd(`${prefix}{wh}:active`, Date.now() - 10_000, 'vf_stranded');
    await until('the stranded event', () => receiver!.hooks.some((h) => h.id === id), 5000);
    expect(receiver.hooks.filter((h) => h.id === id)[0].verified).toBe(true);
    await until('the list gone', async () => (await redis.exists(`${prefix}{wh:vf_stranded}:events`)) === 0);
    redis.disconnect();
    expect(t.receiver).toBe(receiver);
  });

  it('reports the expiry of a verification whose instance is gone, from the durable timer', async () => {
    receiver = await startReceiver(TEST_WEBHOOK_SECRET);
    const prefix = keyPrefix();
    // As in webhook-events: the app clock runs 28 s behind, so the 30 s expiry is 2 s away.
    const clock = testClock(Date.now() - 28_000);
    const a = await open(prefix, { clock });
    const v = (await a.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone(), ttlSeconds: 30 } })).json();
    await until('the first events', () => receiver!.ofVerification(v.id).length >= 2);
    await closeApp(a);
    const later = testClock(Date.now() + 5_000);
    await open(prefix, { clock: later });
    await until('the expired event', () => receiver!.ofVerification(v.id).some((h) => h.type === 'verification.expired'), 8000);
    expect(inOrder(receiver.ofVerification(v.id))).toEqual(['verification.started', 'attempt.sent', 'verification.expired']);
  });
});
