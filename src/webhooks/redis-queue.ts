import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../errors.js';
import { logEach, type RedisErrorSink } from '../store/redis-errors.js';
import type { RedisConnection } from '../services/bullmq-scheduler.js';
import { Attempts, DEAD_LETTER_TTL_MS } from './attempts.js';
import type { WebhookQueue } from './queue.js';
import type { WebhookMessage } from './sender.js';

// Durable, ordered, at-least-once delivery on Redis. Each verification has a list of its
// events (key hash-tagged by verification, so Cluster-safe); only the head is ever in flight,
// as one BullMQ job per (event, attempt number): a job sends the head, then either schedules
// the head's next attempt (delayed job) or pops it and queues a job for the new head. The
// list item carries its attempt number, so any instance resumes any chain. A sweeper re-queues
// heads left without a job (a process that died between two steps); job ids make that idempotent.

interface Item extends WebhookMessage {
  /** Attempts made in the current schedule (a manual retry starts a new one). */
  made: number;
}

interface HeadJob {
  vid: string;
  eid: string;
  made: number;
}

export interface RedisWebhookQueueOptions {
  /** Plain commands: fail fast. */
  redis: RedisConnection;
  connection: (role: 'queue' | 'worker') => RedisConnection;
  /** Key prefix of the lists and failed events (e.g. `otp:`). */
  keyPrefix: string;
  /** BullMQ prefix, with a {hash tag}. */
  bullPrefix: string;
  attempts: Attempts;
  log: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  /** The BullMQ clients' `error` events (the app's RedisErrorLog); each is logged when absent. */
  redisErrors?: RedisErrorSink;
  /** How often the sweeper looks for stranded heads, and how old an untouched list must be. */
  sweepMs?: number;
  staleMs?: number;
  /** BullMQ lock of a running job: a crashed instance's job is taken over after it. */
  lockMs?: number;
  concurrency?: number;
}

// The head is compared by id before it is changed: a stale job never touches another event.
const SET_HEAD = `local h = redis.call('LINDEX', KEYS[1], 0)
if h and cjson.decode(h).id == ARGV[1] then redis.call('LSET', KEYS[1], 0, ARGV[2]) return 1 end
return 0`;
const POP_HEAD = `local h = redis.call('LINDEX', KEYS[1], 0)
if h and cjson.decode(h).id == ARGV[1] then redis.call('LPOP', KEYS[1]) end
return redis.call('LINDEX', KEYS[1], 0)`;
const TAKE_DEAD = `local j = redis.call('HGET', KEYS[1], ARGV[1])
if not j then return false end
redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('ZREM', KEYS[2], ARGV[1])
return j`;
const TRIM_DEAD = `local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, id in ipairs(old) do redis.call('HDEL', KEYS[1], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
return #old`;
const FORGET_IF_UNCHANGED = `if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('ZREM', KEYS[1], ARGV[1]) end return 0`;

/** A list outlives the longest schedule by far; it is deleted when it empties. */
const LIST_TTL_MS = 8 * 24 * 3600 * 1000;
const QUEUE = 'webhooks';

export class RedisWebhookQueue implements WebhookQueue {
  private readonly queue: Queue<HeadJob>;
  private readonly queueClient: RedisConnection;
  private worker?: Worker<HeadJob>;
  private workerClient?: RedisConnection;
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private readonly redisErrors: RedisErrorSink;

  constructor(private readonly o: RedisWebhookQueueOptions) {
    this.queueClient = o.connection('queue');
    this.queue = new Queue<HeadJob>(QUEUE, {
      connection: this.queueClient,
      prefix: o.bullPrefix,
      skipVersionCheck: true,
      streams: { events: { maxLen: 100 } },
      // Job failures are Redis trouble, not receiver trouble (that is the schedule's): retry a
      // few times, then drop the job; the sweeper re-queues its head.
      defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true, removeOnFail: true },
    });
    this.redisErrors = o.redisErrors ?? logEach(o.log);
    this.queue.on('error', (err) => this.redisErrors(err, 'webhook queue'));
  }

  private listKey = (vid: string) => `${this.o.keyPrefix}{wh:${vid}}:events`;
  private get activeKey() {
    return `${this.o.keyPrefix}{wh}:active`;
  }
  private deadKeys = (clientId: string) => [`${this.o.keyPrefix}{whd:${clientId}}:events`, `${this.o.keyPrefix}{whd:${clientId}}:order`];

  /** Pushes of this process per verification, one after the other. */
  private readonly pushing = new Map<string, Promise<void>>();

  enqueue(msg: WebhookMessage): Promise<void> {
    // Events are emitted in order; commands sent in order may still land out of order (a
    // Cluster client routes and retries each on its own), so a verification's pushes wait
    // for one another.
    const vid = msg.verificationId;
    const p = (this.pushing.get(vid) ?? Promise.resolve()).catch(() => undefined).then(() => this.push(msg));
    this.pushing.set(vid, p);
    void p.catch(() => undefined).finally(() => this.pushing.get(vid) === p && this.pushing.delete(vid));
    return p;
  }

  private async push(msg: WebhookMessage) {
    const item: Item = { ...msg, made: 0 };
    const key = this.listKey(msg.verificationId);
    const [, pushed] = await Promise.all([
      this.o.redis.zadd(this.activeKey, Date.now(), msg.verificationId),
      this.o.redis.multi().rpush(key, JSON.stringify(item)).pexpire(key, LIST_TTL_MS).exec(),
    ]);
    const [err, length] = pushed?.[0] ?? [new Error('MULTI aborted'), 0];
    if (err) throw err;
    // A new head starts a chain; behind an existing head it waits for that chain.
    if (length === 1) await this.addJob(msg.verificationId, msg.id, 0, 0);
  }

  private async addJob(vid: string, eid: string, made: number, delay: number) {
    await this.queue.add('deliver', { vid, eid, made }, { jobId: `${vid}-${eid}-${made}`, delay: Math.max(0, delay) });
  }

  private async run(job: Job<HeadJob>) {
    const { vid, eid, made } = job.data;
    const key = this.listKey(vid);
    const raw = await this.o.redis.lindex(key, 0);
    if (!raw) return;
    const item = JSON.parse(raw) as Item;
    if (item.id !== eid || item.made !== made) return; // stale: that head moved on
    const step = await this.o.attempts.attempt(item, made);
    if (step === 'retry') {
      item.made = made + 1;
      if (await this.o.redis.eval(SET_HEAD, 1, key, eid, JSON.stringify(item))) {
        await this.addJob(vid, eid, item.made, this.o.attempts.delay(made));
      }
      return;
    }
    if (step === 'dead') await this.keepDead(item);
    const next = (await this.o.redis.eval(POP_HEAD, 1, key, eid)) as string | null;
    if (next) {
      const n = JSON.parse(next) as Item;
      await this.addJob(vid, n.id, n.made, 0);
    }
  }

  private async keepDead(item: Item) {
    const [events, order] = this.deadKeys(item.clientId);
    const ttl = DEAD_LETTER_TTL_MS + 24 * 3600 * 1000;
    await this.o.redis.multi().hset(events, item.id, JSON.stringify(item)).zadd(order, Date.now(), item.id).pexpire(events, ttl).pexpire(order, ttl).exec();
  }

  failed(clientId: string): Promise<WebhookMessage[]> {
    return this.answering(() => this.listFailed(clientId));
  }

  retry(clientId: string, id: string): Promise<boolean> {
    return this.answering(() => this.retryFailed(clientId, id));
  }

  /** The API's calls answer 503 store_unavailable while Redis is away, as the rest of /v1. */
  private async answering<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.o.log.warn({ err }, 'webhook queue: Redis command failed');
      throw new AppError('store_unavailable', 'The webhook queue is not answering');
    }
  }

  private async listFailed(clientId: string): Promise<WebhookMessage[]> {
    const [events, order] = this.deadKeys(clientId);
    await this.o.redis.eval(TRIM_DEAD, 2, events, order, Date.now() - DEAD_LETTER_TTL_MS);
    const ids = await this.o.redis.zrevrange(order, 0, 999);
    if (ids.length === 0) return [];
    const items = await this.o.redis.hmget(events, ...ids);
    return items.filter((j): j is string => !!j).map((j) => strip(JSON.parse(j) as Item));
  }

  private async retryFailed(clientId: string, id: string) {
    const [events, order] = this.deadKeys(clientId);
    await this.o.redis.eval(TRIM_DEAD, 2, events, order, Date.now() - DEAD_LETTER_TTL_MS);
    const taken = (await this.o.redis.eval(TAKE_DEAD, 2, events, order, id)) as string | null;
    if (!taken) return false;
    await this.enqueue(strip(JSON.parse(taken) as Item));
    return true;
  }

  /** Re-queues the heads of lists nobody touched for staleMs (job ids make it idempotent). */
  async sweep() {
    const staleMs = this.o.staleMs ?? 60_000;
    const now = Date.now();
    const found = await this.o.redis.zrangebyscore(this.activeKey, '-inf', now - staleMs, 'WITHSCORES', 'LIMIT', 0, 500);
    for (let i = 0; i < found.length; i += 2) {
      const [vid, score] = [found[i], found[i + 1]];
      const raw = await this.o.redis.lindex(this.listKey(vid), 0);
      if (!raw) {
        // Only if nobody queued an event since we looked (enqueue moves the score).
        await this.o.redis.eval(FORGET_IF_UNCHANGED, 1, this.activeKey, vid, score);
        continue;
      }
      const head = JSON.parse(raw) as Item;
      await this.addJob(vid, head.id, head.made, 0);
      await this.o.redis.zadd(this.activeKey, now, vid);
    }
  }

  async start() {
    this.workerClient = this.o.connection('worker');
    this.worker = new Worker<HeadJob>(QUEUE, (job) => this.run(job), {
      connection: this.workerClient,
      prefix: this.o.bullPrefix,
      concurrency: this.o.concurrency ?? 20,
      lockDuration: this.o.lockMs ?? 30_000,
      stalledInterval: this.o.lockMs ?? 30_000,
    });
    this.worker.on('error', (err) => this.redisErrors(err, 'webhook worker'));
    this.worker.on('failed', (job, err) => this.o.log.warn({ err, eventId: job?.data.eid }, 'webhook job failed'));
    const every = this.o.sweepMs ?? 30_000;
    this.sweeper = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((err) => this.o.log.warn({ err }, 'webhook sweeper failed'))
        .finally(() => (this.sweeping = undefined));
    }, every);
    this.sweeper.unref();
  }

  async close() {
    clearInterval(this.sweeper);
    await this.sweeping;
    if (this.worker) {
      await settle(this.worker.waitUntilReady());
      // Running deliveries may finish (a receiver answers within its timeout); a job cut off
      // is taken over by another instance once its lock expires.
      await Promise.race([this.worker.close(), sleep(12_000)]);
      await this.worker.close(true);
    }
    await settle(this.queue.waitUntilReady());
    await this.queue.close();
    this.workerClient?.disconnect();
    this.queueClient.disconnect();
  }
}

const strip = ({ made: _made, ...msg }: Item): WebhookMessage => msg;

const settle = (ready: Promise<unknown>) => Promise.race([ready.catch(() => undefined), sleep(1000)]);
