import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStore } from '../../src/store/redis-store.js';
import { makeApp, PHONE, type TestApp } from '../helpers/app.js';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.js';

// The same service on a three-master Redis Cluster (REDIS_CLUSTER_NODES): the Lua scripts touch
// only keys of one hash slot, and BullMQ's keys share its prefix's hash tag.

describe('on Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let t: TestApp;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    t = await makeApp({
      store: 'redis',
      env: { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.nodes, AUTO_WORKFLOW: 'flash_call:0.3,sms:30,voice', IP_SEND_LIMIT: '5' },
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  it('runs a verification, limits and the auto workflow', async () => {
    expect((t.app.store as RedisStore).client).toBeInstanceOf(Cluster);
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, clientIp: '203.0.113.9' } })).json();
    expect(v.status).toBe('pending');
    const wrong = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: '000000' === t.sms.lastCode() ? '000001' : '000000' } });
    expect(wrong.json().checksRemaining).toBe(4);
    const right = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { to: PHONE, code: t.sms.lastCode() } });
    expect(right.json().status).toBe('approved');

    // Supersede, resend and cancel: the scripts that touch several keys.
    const a = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: '+79035550001' } })).json();
    const b = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: '+79035550001' } })).json();
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${a.id}` })).json().status).toBe('canceled');
    expect((await t.call({ method: 'POST', url: `/v1/verifications/${b.id}/resend` })).statusCode).toBe(200);
    expect((await t.call({ method: 'POST', url: `/v1/verifications/${b.id}/cancel` })).json().status).toBe('canceled');

    // Limits (sliding windows) and the client rate limit.
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: `+7903555010${i}`, clientIp: '198.51.100.1' } })).statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);

    // The auto workflow's BullMQ timer.
    const auto = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: '+79035550999', channel: 'auto' } })).json();
    const deadline = Date.now() + 5000;
    while (t.sms.sent.filter((s) => s.verificationId === auto.id).length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await t.call({ method: 'GET', url: `/v1/verifications/${auto.id}` })).json().channel).toBe('sms');
  });
});
