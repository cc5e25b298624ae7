import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, TEST_WEBHOOK_SECRET, type Receiver } from '../fakes/webhook-receiver.js';
import { uniquePhone, type TestApp } from '../helpers/app.js';
import { startRedisCluster, type RedisClusterHandle } from '../helpers/redis-cluster.js';
import { hookedApp, sleep, until } from '../helpers/webhooks.js';

// Three instances of the service on one three-master Redis Cluster, behind a round-robin
// client: consecutive calls about one verification land on different instances, limits are
// counted once between them, and BullMQ timers (auto workflow steps, expiry events) fire on
// exactly one of them.

const COOLDOWN_S = 10;
const MAX_CHECKS = 5;

describe('three instances behind a round robin, on Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  let receiver: Receiver;
  const apps: TestApp[] = [];
  // One clock for the three (as NTP gives real instances), 29 s behind the wall clock so that
  // a 30 s code's expiry timer is about a second away (see the expiry test below).
  let offset = -29_000;
  const clock = Object.assign(() => Date.now() + offset, { advance: (ms: number) => void (offset += ms) });

  beforeAll(async () => {
    cluster = await startRedisCluster();
    receiver = await startReceiver(TEST_WEBHOOK_SECRET);
    const keyPrefix = `mi${randomBytes(3).toString('hex')}:`;
    for (let i = 0; i < 3; i++) {
      apps.push(
        await hookedApp({
          store: 'redis',
          keyPrefix,
          clock,
          receiver,
          env: {
            REDIS_URL: undefined,
            REDIS_CLUSTER_NODES: cluster.nodes,
            RESEND_COOLDOWN_SECONDS: String(COOLDOWN_S),
            MAX_CHECK_ATTEMPTS: String(MAX_CHECKS),
            PHONE_SEND_LIMIT: '3',
            IP_SEND_LIMIT: '5',
            AUTO_WORKFLOW: 'flash_call:0.3,sms:30,voice',
          },
        }),
      );
    }
  }, 90_000);
  afterAll(async () => {
    for (const a of apps) await a.close();
    await receiver?.close();
    await cluster?.stop();
  });

  let turn = 0;
  const rr = (opts: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse> => apps[turn++ % apps.length].call(opts);
  const start = (payload: Record<string, unknown>) => rr({ method: 'POST', url: '/v1/verifications', payload });
  const check = (id: string, code: string) => rr({ method: 'POST', url: '/v1/verifications/check', payload: { id, code } });
  const get = async (id: string) => (await rr({ method: 'GET', url: `/v1/verifications/${id}` })).json();
  /** What every instance handed to its providers for one verification. */
  const sent = (id: string, channel: 'sms' | 'flash' = 'sms') =>
    apps
      .flatMap((a) => a[channel].sent)
      .filter((s) => s.verificationId === id)
      .map((s) => ({ ...s, code: s.code! }));
  const wrongFor = (code: string) => (code === '000000' ? '000001' : '000000');
  const typesOf = (id: string) => receiver.ofVerification(id).map((h) => h.type);

  // First, while the clock's offset is still the one the expiry timer was computed with.
  it('sends verification.expired once, from whichever instance took the timer', async () => {
    const v = (await start({ to: uniquePhone(), ttlSeconds: 30 })).json();
    clock.advance(31_000);
    await until('the expired event', () => typesOf(v.id).includes('verification.expired'));
    await sleep(1500); // room for a second one, if another instance also fired
    expect(typesOf(v.id).filter((t) => t === 'verification.expired')).toHaveLength(1);
    expect((await get(v.id)).status).toBe('expired');
  });

  it('runs the contract flow with each call on the next instance: start, check wrong and right, resend cooldown, cancel, get', async () => {
    const v = (await start({ to: uniquePhone() })).json();
    expect(v.status).toBe('pending');
    const [first] = sent(v.id);
    const wrong = (await check(v.id, wrongFor(first.code))).json();
    expect(wrong).toMatchObject({ valid: false, checksRemaining: MAX_CHECKS - 1 });

    const early = await rr({ method: 'POST', url: `/v1/verifications/${v.id}/resend` });
    expect([early.statusCode, early.json().code]).toEqual([429, 'resend_too_soon']);
    clock.advance((COOLDOWN_S + 1) * 1000);
    const resent = await rr({ method: 'POST', url: `/v1/verifications/${v.id}/resend` });
    expect(resent.statusCode).toBe(200);
    const codes = sent(v.id);
    expect(codes).toHaveLength(2);

    const right = (await check(v.id, codes[1].code)).json();
    expect(right).toMatchObject({ valid: true, status: 'approved' });
    expect(await get(v.id)).toMatchObject({ status: 'approved' });
    expect((await check(v.id, codes[1].code)).statusCode).toBeGreaterThanOrEqual(400);

    const c = (await start({ to: uniquePhone() })).json();
    expect((await rr({ method: 'POST', url: `/v1/verifications/${c.id}/cancel` })).json().status).toBe('canceled');
    expect((await get(c.id)).status).toBe('canceled');
    expect((await check(c.id, sent(c.id)[0].code)).statusCode).toBeGreaterThanOrEqual(400);
  });

  it('counts wrong checks exactly once between the instances', async () => {
    const v = (await start({ to: uniquePhone() })).json();
    const wrong = wrongFor(sent(v.id)[0].code);
    const answers = await Promise.all(Array.from({ length: 15 }, () => check(v.id, wrong)));
    expect(answers.filter((a) => a.statusCode === 200)).toHaveLength(MAX_CHECKS);
    expect(answers.filter((a) => a.statusCode >= 400)).toHaveLength(15 - MAX_CHECKS);
    expect((await get(v.id)).status).toBe('max_attempts_reached');
    // The right code cannot come after the last check was used up.
    expect((await check(v.id, sent(v.id)[0].code)).statusCode).toBeGreaterThanOrEqual(400);
  });

  it('shares the per-address limit under parallel starts and the per-phone limit across instances', async () => {
    const parallel = await Promise.all(Array.from({ length: 9 }, () => start({ to: uniquePhone(), clientIp: '198.51.100.77' })));
    expect(parallel.filter((r) => r.statusCode === 201)).toHaveLength(5);
    expect(parallel.filter((r) => r.statusCode === 429).map((r) => r.json().code)).toEqual(Array(4).fill('rate_limited'));

    const phone = uniquePhone();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await start({ to: phone })).statusCode);
      clock.advance((COOLDOWN_S + 1) * 1000); // past the cooldown, well inside the limit's window
    }
    expect(statuses).toEqual([201, 201, 201, 429]);
  });

  it('moves each auto workflow on once: one timer, one SMS, one channel_changed event', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await start({ to: uniquePhone(), channel: 'auto' })).json().id);
    await until('every SMS step', () => ids.every((id) => sent(id).length >= 1), 10_000);
    await until('every channel_changed event', () => ids.every((id) => typesOf(id).includes('verification.channel_changed')), 10_000);
    await sleep(1500); // room for a second run of a timer, if another instance also took it
    for (const id of ids) {
      expect(sent(id, 'flash'), id).toHaveLength(1);
      expect(sent(id), id).toHaveLength(1);
      expect(typesOf(id).filter((t) => t === 'verification.channel_changed'), id).toHaveLength(1);
      expect((await get(id)).channel).toBe('sms');
    }
    // The round robin did spread the work: every instance handed codes to its providers.
    for (const a of apps) expect(a.sms.sent.length + a.flash.sent.length).toBeGreaterThan(0);
  });
});
