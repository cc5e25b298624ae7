import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniquePhone } from '../helpers/app.js';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.js';
import { hookedApp, until, type HookedApp } from '../helpers/webhooks.js';

// The webhook queue on a three-master Redis Cluster: its lists, failed events and BullMQ jobs
// each keep to one hash slot per script.

describe('webhooks on Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let t: HookedApp;
  let failing = true;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    t = await hookedApp({
      store: 'redis',
      env: { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.nodes },
      webhookTuning: { sweepMs: 100, staleMs: 300 },
      answer: (_n, h) => (failing && h.type === 'verification.canceled' ? 500 : 204),
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  it('delivers in order, keeps a failed event and sends it again', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone() } })).json().id);
    await t.call({ method: 'POST', url: `/v1/verifications/${ids[0]}/cancel` });
    await until('every event', () => ids.every((id) => t.receiver.ofVerification(id).length >= 2));
    for (const id of ids) expect(t.receiver.ofVerification(id).slice(0, 2).map((h) => h.type)).toEqual(['verification.started', 'attempt.sent']);
    await until('the failed event', async () => (await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json().events.length === 1);
    const [failed] = (await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json().events;
    expect(failed).toMatchObject({ type: 'verification.canceled', verificationId: ids[0], attempts: 4, lastStatus: 500 });
    failing = false;
    expect((await t.call({ method: 'POST', url: `/v1/webhooks/failed/${failed.id}/retry` })).statusCode).toBe(202);
    await until('the re-sent event', () => t.receiver.ofVerification(ids[0]).filter((h) => h.id === failed.id).length === 5);
    expect((await t.call({ method: 'GET', url: '/v1/webhooks/failed' })).json().events).toEqual([]);
  });
});
