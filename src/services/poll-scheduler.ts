import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisErrorSink } from '../store/redis-errors.js';
import type { ConnectionRole, RedisConnection } from './bullmq-scheduler.js';
import type { DeliveryPoller } from './delivery-poller.js';

// When the status polling rounds run. Redis: a BullMQ job scheduler per provider, so each
// round is one job taken by one instance, whatever the number of instances (no lock of our
// own). Embedded store: a timer in this one process.

export interface PollScheduler {
  start(pollers: DeliveryPoller[]): Promise<void>;
  close(): Promise<void>;
}

type Log = Pick<FastifyBaseLogger, 'warn'>;

const round = (p: DeliveryPoller, log: Log) =>
  p.pollOnce().catch((err) => log.warn({ err, provider: p.providerName }, 'status polling failed'));

export class InProcessPollScheduler implements PollScheduler {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly intervalMs: number,
    private readonly log: Log,
  ) {}

  async start(pollers: DeliveryPoller[]) {
    for (const p of pollers) {
      let running = false;
      const t = setInterval(() => {
        if (running) return;
        running = true;
        void round(p, this.log).finally(() => (running = false));
      }, this.intervalMs);
      t.unref();
      this.timers.push(t);
    }
  }

  async close() {
    this.timers.forEach(clearInterval);
  }
}

export interface BullMqPollSchedulerOptions {
  connection: (role: ConnectionRole) => RedisConnection;
  /** With a {hash tag}, as the other BullMQ queues (bullmq-scheduler.ts). */
  prefix: string;
  intervalMs: number;
  log: Log;
  redisErrors: RedisErrorSink;
}

const QUEUE = 'delivery-poll';
/** How long close() lets a running round (a provider request) finish. */
const CLOSE_GRACE_MS = 5000;

export class BullMqPollScheduler implements PollScheduler {
  private queue?: Queue<{ provider: string }>;
  private worker?: Worker<{ provider: string }>;
  private readonly clients: RedisConnection[] = [];

  constructor(private readonly o: BullMqPollSchedulerOptions) {}

  async start(pollers: DeliveryPoller[]) {
    if (pollers.length === 0) return;
    const { o } = this;
    const byName = new Map(pollers.map((p) => [p.providerName, p]));
    const queueClient = o.connection('worker');
    this.clients.push(queueClient);
    this.queue = new Queue(QUEUE, {
      connection: queueClient,
      prefix: o.prefix,
      streams: { events: { maxLen: 100 } },
      // A failed round is simply the next round's work.
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
    });
    this.queue.on('error', (err) => o.redisErrors(err, `${QUEUE} queue`));
    // Upserting is idempotent: every instance writes the same schedule (the interval may
    // change). Not awaited: on a client with an offline queue it waits for Redis if Redis is
    // away at start-up, which must not hold up the start.
    for (const name of byName.keys()) {
      void this.queue
        .upsertJobScheduler(`poll-${name}`, { every: o.intervalMs }, { name: 'poll', data: { provider: name } })
        .catch((err) => o.log.warn({ err, provider: name }, 'could not schedule status polling'));
    }
    const workerClient = o.connection('worker');
    this.clients.push(workerClient);
    const run = async (job: Job<{ provider: string }>) => {
      // A provider another instance polls (another configuration during a rollout): not ours.
      const p = byName.get(job.data.provider);
      if (p) await round(p, o.log);
    };
    this.worker = new Worker(QUEUE, run, { connection: workerClient, prefix: o.prefix, concurrency: byName.size });
    this.worker.on('error', (err) => o.redisErrors(err, `${QUEUE} worker`));
  }

  async close() {
    if (this.worker) {
      await Promise.race([this.worker.close(), sleep(CLOSE_GRACE_MS)]);
      await this.worker.close(true);
    }
    await this.queue?.close();
    // Shared clients are not closed by BullMQ; no quit() round trip (it hangs while Redis is away).
    this.clients.forEach((c) => c.disconnect());
  }
}
