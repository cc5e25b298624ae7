import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { EmbeddedStore } from '../store/embedded-store.js';
import { RedisErrorLog } from '../store/redis-errors.js';
import { RedisStore } from '../store/redis-store.js';
import { rulesFromConfig, type VerificationStore } from '../store/types.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: VerificationStore;
    /** Every Redis client's connection errors go here (logged once per interval). */
    redisErrors: RedisErrorLog;
  }
}

export interface StorePluginOptions {
  config: Config;
  clock?: () => number;
  /** Key prefix, so tests (and several deployments) can share one Redis. */
  keyPrefix?: string;
}

export default fp<StorePluginOptions>(
  async function storePlugin(app: FastifyInstance, opts) {
    const { config } = opts;
    const useRedis = !!(config.REDIS_URL || config.REDIS_SENTINELS?.length || config.REDIS_CLUSTER_NODES?.length);
    const redisErrors = new RedisErrorLog({
      log: app.log.child({ component: 'redis' }),
      intervalMs: config.REDIS_ERROR_LOG_SECONDS * 1000,
      count: (client) => app.metrics.redisErrors.inc({ client }),
    });
    app.decorate('redisErrors', redisErrors);
    app.addHook('onClose', async () => redisErrors.close());
    let store: VerificationStore;
    if (useRedis) {
      const redis = RedisStore.fromConfig(config, opts.keyPrefix);
      // The store's client also serves the client rate limit.
      redis.client.on('error', (err) => redisErrors.report('store', err, 'store'));
      // Start even when Redis is down (readiness says so, requests get 503) but give it a
      // moment first, so a normal start does not answer its first requests with 503.
      if (!(await redis.waitReady(5000))) app.log.error('Redis is not reachable yet: answering 503 until it is');
      store = redis;
    } else {
      app.log.warn(
        { store: 'embedded' },
        'REDIS_URL is not set: using the EMBEDDED IN-MEMORY STORE. Verifications live in this one process and are lost on restart. Set REDIS_URL for anything but development.',
      );
      store = new EmbeddedStore(config.CODE_HMAC_SECRET, rulesFromConfig(config), opts.clock);
    }
    app.decorate('store', store);
    app.addHook('onClose', async () => store.close());
  },
  { name: 'store', dependencies: ['metrics'] },
);
