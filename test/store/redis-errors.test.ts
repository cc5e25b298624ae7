import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isConnectionError, RedisErrorLog } from '../../src/store/redis-errors.js';
import { makeApp, type TestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/metrics.js';
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';

// Fault test: while Redis is down, every client (store, rate limit, BullMQ queues and workers
// of the auto workflow and webhooks) fails several times a second. The log gets one line when
// it starts, one count per interval, one when it is over; never a stack trace.

type Line = { level: number; msg: string; component?: string; errors?: number; err?: unknown };
const linesOf = (text: string): Line[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

describe('Redis connection errors in the log', () => {
  let redis: RedisServerHandle;
  let t: TestApp;

  beforeAll(async () => {
    redis = await startRedisServer();
    t = await makeApp({
      store: 'redis',
      // Webhooks on: their BullMQ queue, worker and expiry timers are clients too.
      env: { REDIS_URL: redis.url, REDIS_ERROR_LOG_SECONDS: '1', WEBHOOK_URL: 'http://127.0.0.1:9/hook' },
    });
  });
  afterAll(async () => {
    await redis?.start();
    await t?.close();
    await redis?.stop();
  });

  it('logs an outage once, then a count per interval, then its end, without a stack trace', async () => {
    await sleep(200); // the start-up lines are out
    const before = linesOf(t.logs()).length;
    await redis.stop();
    // A request during the outage is answered 503 and not logged as a Redis error line.
    expect((await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: '+79161112233' } })).statusCode).toBe(503);
    await sleep(3500);
    await redis.start();
    const deadline = Date.now() + 15_000;
    while (!linesOf(t.logs()).some((l) => l.msg === 'Redis reachable again') && Date.now() < deadline) await sleep(100);

    const during = linesOf(t.logs()).slice(before);
    const redisLines = during.filter((l) => l.component === 'redis');
    const first = redisLines.filter((l) => l.msg === 'Redis unreachable');
    const counts = redisLines.filter((l) => /^Redis unreachable, \d+ errors in the last 1 s$/.test(l.msg));
    expect(first).toHaveLength(1);
    expect(redisLines.filter((l) => l.msg === 'Redis reachable again')).toHaveLength(1);
    // One count per second of outage (and of reconnecting), give or take a loaded machine.
    expect(counts.length).toBeGreaterThanOrEqual(1);
    expect(counts.length).toBeLessThanOrEqual(12);
    const errors = counts.reduce((n, l) => n + l.errors!, 0);
    // Many more errors happened than lines were written.
    expect(errors).toBeGreaterThan(counts.length + 1);
    // Nothing else of the outage reached the log, and nothing with a stack.
    expect(during.filter((l) => /Redis error/.test(l.msg))).toEqual([]);
    expect(during.filter((l) => JSON.stringify(l).includes('"stack"'))).toEqual([]);
    expect(during.length).toBeLessThanOrEqual(redisLines.length + 2);

    const text = (await t.call({ method: 'GET', url: '/metrics', key: null })).body;
    expect(metricValue(text, 'otpgate_redis_errors_total', { client: 'store' })).toBeGreaterThan(0);
    expect(metricValue(text, 'otpgate_redis_errors_total', { client: 'bullmq' })).toBeGreaterThan(0);
  });
});

describe('RedisErrorLog', () => {
  it('logs an error that is not about reaching Redis in full, every time', () => {
    const log = { warn: vi.fn(), info: vi.fn() };
    const errors = new RedisErrorLog({ log, intervalMs: 60_000 });
    const bug = new Error('ERR Error running script (call to f_1234): @user_script:1: oops');
    errors.report('bullmq', bug, 'webhook worker');
    errors.report('bullmq', bug, 'webhook worker');
    expect(log.warn).toHaveBeenCalledTimes(2);
    expect(log.warn.mock.calls[0][0]).toMatchObject({ err: bug });
    errors.close();
  });

  it('tells connection errors apart', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(isConnectionError(refused)).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('Missing lock for job 1. moveToFinished'))).toBe(false);
    expect(isConnectionError('ECONNREFUSED')).toBe(false);
  });
});
