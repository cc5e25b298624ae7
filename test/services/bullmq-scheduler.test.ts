import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, inject, it, vi } from 'vitest';
import { testConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import {
  BullMqScheduler,
  createBullMqConnection,
  type BullMqSchedulerOptions,
  type ConnectionRole,
} from '../../src/services/bullmq-scheduler.js';
import { startRedisServer } from '../helpers/redis-server.js';

// Real Redis (global setup), a unique BullMQ prefix per test.

const url = inject('redisUrl');
const admin = new Redis(url, { maxRetriesPerRequest: null });
const QUEUE = 'auto-workflow';

// The production clients, so their settings are tested too.
const config = testConfig({ REDIS_URL: url });
const connection = (role: ConnectionRole) => createBullMqConnection(config, role);

const open: BullMqScheduler[] = [];
const newPrefix = () => `bulltest:{${randomBytes(6).toString('hex')}}`;
const vfId = () => `vf_${randomBytes(24).toString('hex')}`;

function makeScheduler(prefix: string, opts: Partial<BullMqSchedulerOptions> = {}) {
  const log = { warn: vi.fn(), error: vi.fn() };
  const scheduler = new BullMqScheduler({ connection, steps: 3, log, prefix, retryDelayMs: 100, ...opts });
  open.push(scheduler);
  return { scheduler, log };
}

/** A handler that records its calls. */
function recorder(fail?: (id: string, step: number, call: number) => boolean) {
  const calls: { id: string; step: number; at: number }[] = [];
  const handler = vi.fn(async (id: string, step: number) => {
    calls.push({ id, step, at: Date.now() });
    if (fail?.(id, step, calls.length)) throw new Error('handler failed');
  });
  return { calls, handler };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(20);
  }
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  // Tidy the shared test Redis.
  for (const key of await admin.keys('bulltest:*')) await admin.del(key);
  admin.disconnect();
});

describe('BullMqScheduler', () => {
  it('runs the handler once after the delay', async () => {
    const { scheduler } = makeScheduler(newPrefix());
    const { calls, handler } = recorder();
    await scheduler.start(handler);
    const id = vfId();
    const t0 = Date.now();
    await scheduler.schedule(id, 1, 300);

    await sleep(150);
    expect(calls).toHaveLength(0);
    await waitFor(() => calls.length > 0);
    expect(calls[0]).toMatchObject({ id, step: 1 });
    expect(calls[0].at - t0).toBeGreaterThanOrEqual(290);
    await sleep(300);
    expect(calls).toHaveLength(1);
  });

  it('fires once when the same (id, step) is scheduled twice', async () => {
    const prefix = newPrefix();
    const { scheduler } = makeScheduler(prefix);
    const { calls, handler } = recorder();
    await scheduler.start(handler);
    const id = vfId();
    await scheduler.schedule(id, 0, 300);
    await scheduler.schedule(id, 0, 300);
    await scheduler.schedule(id, 0, 50); // the first one wins, delay included
    await scheduler.schedule(id, 1, 300); // another step is another timer

    await sleep(150);
    expect(calls).toHaveLength(0);
    await waitFor(() => calls.length >= 2);
    await sleep(300);
    expect(calls.map((c) => c.step).sort()).toEqual([0, 1]);
    // Finished jobs are removed, so Redis does not grow.
    await waitFor(async () => (await admin.exists(`${prefix}:${QUEUE}:${id}-0`, `${prefix}:${QUEUE}:${id}-1`)) === 0);
  });

  it('cancel removes the pending timers of the verification', async () => {
    const prefix = newPrefix();
    const { scheduler } = makeScheduler(prefix);
    const { calls, handler } = recorder();
    await scheduler.start(handler);
    const [gone, kept] = [vfId(), vfId()];
    await scheduler.schedule(gone, 0, 300);
    await scheduler.schedule(gone, 1, 300);
    await scheduler.schedule(kept, 0, 300);
    await scheduler.cancel(gone);
    await scheduler.cancel(vfId()); // nothing scheduled: harmless

    await waitFor(() => calls.length > 0);
    await sleep(300);
    expect(calls.map((c) => c.id)).toEqual([kept]);
    expect(await admin.exists(`${prefix}:${QUEUE}:${gone}-0`, `${prefix}:${QUEUE}:${gone}-1`)).toBe(0);
  });

  it('fires each timer exactly once across two instances', async () => {
    const prefix = newPrefix();
    const a = makeScheduler(prefix);
    const b = makeScheduler(prefix);
    const ra = recorder();
    const rb = recorder();
    await a.scheduler.start(ra.handler);
    await b.scheduler.start(rb.handler);
    const ids = Array.from({ length: 10 }, vfId);
    for (const id of ids) {
      // Both instances schedule the same timers, as two racing requests might.
      await Promise.all([a.scheduler.schedule(id, 0, 300), b.scheduler.schedule(id, 0, 300)]);
    }

    const all = () => [...ra.calls, ...rb.calls];
    await waitFor(() => all().length >= ids.length);
    await sleep(400);
    expect(all().map((c) => c.id).sort()).toEqual([...ids].sort());
  });

  it('a timer survives a restart: scheduled by A, fired by B after A closed', async () => {
    const prefix = newPrefix();
    const a = makeScheduler(prefix);
    const ra = recorder();
    await a.scheduler.start(ra.handler);
    const id = vfId();
    await a.scheduler.schedule(id, 2, 400);
    await a.scheduler.close();

    const b = makeScheduler(prefix);
    const rb = recorder();
    await b.scheduler.start(rb.handler);
    await waitFor(() => rb.calls.length > 0);
    await sleep(300);
    expect(rb.calls).toMatchObject([{ id, step: 2 }]);
    expect(ra.calls).toHaveLength(0);
  });

  it('close() lets a running handler finish and stores its outcome', async () => {
    const prefix = newPrefix();
    const a = makeScheduler(prefix);
    let finished = false;
    const started = vi.fn();
    await a.scheduler.start(async () => {
      started();
      await sleep(300);
      finished = true;
    });
    const id = vfId();
    await a.scheduler.schedule(id, 0, 0);
    await waitFor(() => started.mock.calls.length > 0);
    await a.scheduler.close();
    expect(finished).toBe(true);
    // Recorded as done (and removed), so no other instance runs it again.
    expect(await admin.exists(`${prefix}:${QUEUE}:${id}-0`)).toBe(0);
    expect(a.log.error).not.toHaveBeenCalled();
  });

  it('retries a handler that throws, then succeeds', async () => {
    const { scheduler, log } = makeScheduler(newPrefix());
    const { calls, handler } = recorder((_id, _step, call) => call === 1);
    await scheduler.start(handler);
    const id = vfId();
    await scheduler.schedule(id, 0, 200);

    await waitFor(() => calls.length >= 2);
    await sleep(400);
    expect(calls.map((c) => c.id)).toEqual([id, id]);
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(90); // the backoff
    expect(log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ verificationId: id, step: 0, attempt: 1 }),
      'auto workflow step failed, will retry',
    );
    expect(log.error).not.toHaveBeenCalled();
  });

  it('fails fast while Redis is away, recovers, and closes without it', async () => {
    const server = await startRedisServer();
    try {
      const own = testConfig({ REDIS_URL: server.url });
      const { scheduler } = makeScheduler(newPrefix(), { connection: (role) => createBullMqConnection(own, role) });
      const { calls, handler } = recorder();
      await scheduler.start(handler);
      await scheduler.schedule(vfId(), 0, 60_000); // connected

      await server.stop();
      const t0 = Date.now();
      const err = await scheduler.schedule(vfId(), 0, 100).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('store_unavailable');
      expect(Date.now() - t0).toBeLessThan(1000);

      await server.start();
      const id = vfId();
      await waitFor(async () => {
        try {
          await scheduler.schedule(id, 0, 100);
          return true;
        } catch {
          return false;
        }
      });
      await waitFor(() => calls.length > 0, 5000); // the worker reconnected too
      expect(calls).toMatchObject([{ id, step: 0 }]);

      // Shutting down during an outage does not wait for Redis to come back.
      await server.stop();
      const t1 = Date.now();
      await scheduler.close();
      expect(Date.now() - t1).toBeLessThan(1000);
    } finally {
      await Promise.all(open.splice(0).map((s) => s.close()));
      await server.stop();
    }
  });

  it('refuses a prefix without a Redis Cluster hash tag', () => {
    expect(() => new BullMqScheduler({ connection, steps: 3, log: { warn: vi.fn(), error: vi.fn() }, prefix: 'otp:bull' })).toThrow(
      /hash tag/,
    );
  });
});
