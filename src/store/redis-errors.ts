import type { FastifyBaseLogger } from 'fastify';

// While Redis is away every client (the store's, each BullMQ queue and worker) reports a
// connection error several times a second. They are logged here at most once per interval,
// with a count and without a stack trace; other errors are logged as they come.

export type RedisClientKind = 'store' | 'bullmq';

const CONNECTION =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|Stream isn't writeable|Command timed out|MaxRetriesPerRequest|CLUSTERDOWN|ClusterAllFailed|slots cache|sentinel|LOADING|MASTERDOWN|READONLY/i;

/** A failure to reach Redis (as opposed to a bug or a script error). */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return CONNECTION.test(`${typeof code === 'string' ? code : ''} ${err.name} ${err.message}`);
}

export interface RedisErrorLogOptions {
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>;
  intervalMs: number;
  /** Called for every connection error (otpgate_redis_errors_total). */
  count?: (client: RedisClientKind) => void;
}

export class RedisErrorLog {
  private down = false;
  private errors = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly o: RedisErrorLogOptions) {}

  /** An `error` event of a Redis client; `source` names it in the log (e.g. "webhook worker"). */
  report(client: RedisClientKind, err: unknown, source: string) {
    if (!isConnectionError(err)) {
      this.o.log.warn({ err, client, source }, `${source}: Redis error`);
      return;
    }
    this.o.count?.(client);
    this.errors++;
    if (this.down) return;
    this.down = true;
    const e = err as Error & { code?: string };
    this.o.log.warn({ client, source, error: e.message, code: e.code }, 'Redis unreachable');
    this.timer = setInterval(() => this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  private tick() {
    const n = this.errors;
    this.errors = 0;
    if (n > 0) {
      const seconds = Math.round(this.o.intervalMs / 100) / 10;
      this.o.log.warn({ errors: n }, `Redis unreachable, ${n} errors in the last ${seconds} s`);
      return;
    }
    // A whole interval without an error: every client is through.
    this.down = false;
    clearInterval(this.timer);
    this.o.log.info('Redis reachable again');
  }

  close() {
    clearInterval(this.timer);
  }
}

/** Where BullMQ-based components send their clients' `error` events. */
export type RedisErrorSink = (err: unknown, source: string) => void;

/** The sink of a component built without a RedisErrorLog (tests): every error, as it comes. */
export const logEach =
  (log: Pick<FastifyBaseLogger, 'warn'>): RedisErrorSink =>
  (err, source) =>
    log.warn({ err }, `${source}: Redis error`);
