import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { Cluster, Redis } from 'ioredis';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { createRedisClient, DEFAULT_KEY_PREFIX } from '../store/redis-client.js';
import { logEach, type RedisErrorSink } from '../store/redis-errors.js';
import type { StepHandler, WorkflowScheduler } from './workflow-scheduler.js';

// The auto workflow's timers for Redis deployments: one BullMQ delayed job per (verification,
// step). The jobs live in Redis, so a timer outlives a restart of the service, fires on exactly
// one of several instances, and is deleted when its verification ends.

/**
 * 'queue': schedules and cancels from inside HTTP requests, so it must fail fast while Redis is
 * away (BullMQ's "failing fast when Redis is down" pattern). 'worker': BullMQ's worker, which
 * needs maxRetriesPerRequest: null and an offline queue to ride out reconnections.
 */
export type ConnectionRole = 'queue' | 'worker';
export type RedisConnection = Redis | Cluster;

/**
 * Every BullMQ key starts with `${prefix}:${queueName}:`. The `{…}` hash tag in the prefix puts
 * all of them in one Redis Cluster slot, which BullMQ's multi-key Lua scripts need.
 */
export const DEFAULT_BULLMQ_PREFIX = `${DEFAULT_KEY_PREFIX}{bull}`;
const HASH_TAG = /\{[^{}]+\}/;

export interface BullMqSchedulerOptions {
  /** Called once per role; the scheduler owns the clients and closes them in close(). */
  connection: (role: ConnectionRole) => RedisConnection;
  /** AUTO_WORKFLOW's length: cancel() removes the jobs of steps 0..steps-1. */
  steps: number;
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  /** The clients' `error` events (the app's RedisErrorLog); each is logged when absent. */
  redisErrors?: RedisErrorSink;
  /** Must contain a hash tag, e.g. `otp:{bull}`; tests use a unique one each. */
  prefix?: string;
  queueName?: string;
  /** First retry delay of a failed step (doubles after that). */
  retryDelayMs?: number;
  concurrency?: number;
}

interface StepJob {
  verificationId: string;
  step: number;
}

const ATTEMPTS = 3;
/** How long close() lets running handlers finish. */
const CLOSE_GRACE_MS = 5000;
// The delayed job doubles as the dedup record while it waits; once it ran, the store's
// exactly-once `advance` makes a repeat harmless. Keep a few failures for inspection.
const KEEP_FAILED = { count: 1000 };

export class BullMqScheduler implements WorkflowScheduler {
  private readonly queue: Queue<StepJob>;
  private readonly queueClient: RedisConnection;
  private worker?: Worker<StepJob>;
  private workerClient?: RedisConnection;
  /** Jobs taken by this worker whose outcome is not yet written back to Redis. */
  private readonly active = new Set<string>();
  private readonly redisErrors: RedisErrorSink;

  constructor(private readonly opts: BullMqSchedulerOptions) {
    const prefix = opts.prefix ?? DEFAULT_BULLMQ_PREFIX;
    if (!HASH_TAG.test(prefix)) throw new Error(`BullMQ prefix "${prefix}" needs a {hash tag} for Redis Cluster`);
    this.queueClient = opts.connection('queue');
    this.queue = new Queue<StepJob>(this.queueName, {
      connection: this.queueClient,
      prefix,
      // No INFO round trip on a client without an offline queue (it could only fail).
      skipVersionCheck: true,
      // Nobody reads the events stream: keep it short.
      streams: { events: { maxLen: 100 } },
      defaultJobOptions: {
        attempts: ATTEMPTS,
        backoff: { type: 'exponential', delay: opts.retryDelayMs ?? 1000 },
        removeOnComplete: true,
        removeOnFail: KEEP_FAILED,
      },
    });
    this.redisErrors = opts.redisErrors ?? logEach(opts.log);
    this.queue.on('error', (err) => this.redisErrors(err, `${this.queueName} queue`));
  }

  private get queueName() {
    return this.opts.queueName ?? 'auto-workflow';
  }

  async schedule(verificationId: string, step: number, delayMs: number) {
    // An existing job with the same id makes add() a no-op: scheduling twice is harmless.
    await this.guard(() =>
      this.queue.add('step', { verificationId, step }, { jobId: jobId(verificationId, step), delay: Math.max(0, delayMs) }),
    );
  }

  async cancel(verificationId: string) {
    // A job already running is locked and stays; its handler finds the verification ended.
    await this.guard(() =>
      Promise.all(Array.from({ length: this.opts.steps }, (_, step) => this.queue.remove(jobId(verificationId, step)))),
    );
  }

  async start(handler: StepHandler) {
    if (this.worker) throw new Error('BullMqScheduler already started');
    const { log } = this.opts;
    this.workerClient = this.opts.connection('worker');
    const run = (job: Job<StepJob>) => {
      this.active.add(job.id!);
      return handler(job.data.verificationId, job.data.step);
    };
    this.worker = new Worker<StepJob>(this.queueName, run, {
      connection: this.workerClient,
      prefix: this.queue.opts.prefix,
      concurrency: this.opts.concurrency ?? 10,
    });
    this.worker.on('error', (err) => this.redisErrors(err, `${this.queueName} worker`));
    // BullMQ emits these once the outcome is stored.
    this.worker.on('completed', (job) => this.active.delete(job.id!));
    this.worker.on('failed', (job, err) => {
      if (job) this.active.delete(job.id!);
      const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1);
      log[final ? 'error' : 'warn'](
        { err, verificationId: job?.data.verificationId, step: job?.data.step, attempt: job?.attemptsMade },
        final ? 'auto workflow step failed, giving up' : 'auto workflow step failed, will retry',
      );
    });
  }

  async close() {
    if (this.worker) {
      // As for the queue below: a worker closed mid-initialisation rejects with nobody listening.
      await settle(this.worker.waitUntilReady());
      // Not BullMQ's graceful close: it waits for an ioredis 'end' event that never comes if
      // Redis drops at the wrong moment. So: stop fetching, let running jobs finish (for at
      // most CLOSE_GRACE_MS; a job left behind runs elsewhere once its lock expires), then
      // close without waiting.
      await this.worker.pause(true);
      // While Redis is away no outcome can be saved: no point waiting for one.
      const connected = () => this.workerClient?.status === 'ready';
      for (const deadline = Date.now() + CLOSE_GRACE_MS; this.active.size > 0 && connected() && Date.now() < deadline; ) {
        await sleep(20);
      }
      await this.worker.close(true);
    }
    // Closing while the queue's connection is still initialising leaves its failure with no
    // listener (an unhandled rejection inside BullMQ): let it settle first, briefly.
    await settle(this.queue.waitUntilReady());
    await this.queue.close();
    // Shared clients are not closed by BullMQ. Nothing is in flight now, so no quit() round
    // trip (which would hang while Redis is away).
    this.workerClient?.disconnect();
    this.queueClient.disconnect();
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.opts.log.warn({ err }, 'workflow queue: command failed');
      throw new AppError('store_unavailable', 'The workflow timers are not answering');
    }
  }
}

/** BullMQ refuses ':' in custom job ids (and all-digit ids); verification ids have neither. */
const jobId = (verificationId: string, step: number) => `${verificationId}-${step}`;

/** Waits (briefly) for a BullMQ connection's initialisation to end, however it ends. */
const settle = (ready: Promise<unknown>) => Promise.race([ready.catch(() => undefined), sleep(1000)]);

/** Redis clients for BullMqScheduler, on the same single/sentinel/cluster topology as the store. */
export function createBullMqConnection(config: Config, role: ConnectionRole): RedisConnection {
  // The store's client settings are exactly the fail-fast ones the queue wants (a client of
  // its own, though: the scheduler closes it).
  if (role === 'queue') return createRedisClient(config, { enableAutoPipelining: false });
  // No commandTimeout: the worker's blocking BZPOPMIN waits for seconds by design.
  return createRedisClient(config, { maxRetriesPerRequest: null, enableOfflineQueue: true, commandTimeout: undefined, enableAutoPipelining: false });
}
