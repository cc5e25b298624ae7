import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';

// The one place that knows how to reach Redis and under which key prefix the service writes.

/** Every key of the service starts with this (tests and shared Redis use their own). */
export const DEFAULT_KEY_PREFIX = 'otp:';

/**
 * A client for the configured topology (single, Sentinel or Cluster). The defaults fail fast
 * instead of queueing while Redis is away, so a request gets its 503 at once; BullMQ's
 * worker overrides them (it needs blocking commands and an offline queue). Commands issued in
 * the same tick share one write (auto-pipelining): independent steps cost one round trip.
 */
export function createRedisClient(config: Config, overrides: Partial<RedisOptions> = {}): Redis | Cluster {
  const retryStrategy = (times: number) => Math.min(50 * times, 1000);
  const options: RedisOptions = {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy,
    // The ready check's INFO, sent without an offline queue, rejects unhandled when the
    // connection drops mid-handshake; a Redis still loading answers LOADING, a 503 anyway.
    enableReadyCheck: false,
    ...overrides,
  };
  if (config.REDIS_CLUSTER_NODES?.length) {
    return new Cluster(config.REDIS_CLUSTER_NODES, {
      enableOfflineQueue: options.enableOfflineQueue,
      enableAutoPipelining: options.enableAutoPipelining,
      clusterRetryStrategy: retryStrategy,
      redisOptions: options,
    });
  }
  if (config.REDIS_SENTINELS?.length) {
    return new Redis({ ...options, sentinels: config.REDIS_SENTINELS, name: config.REDIS_SENTINEL_NAME });
  }
  return new Redis(config.REDIS_URL ?? 'redis://127.0.0.1:6379', options);
}
