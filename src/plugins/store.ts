import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { EmbeddedStore } from '../store/embedded-store.js';
import { RedisStore } from '../store/redis-store.js';
import { rulesFromConfig, type VerificationStore } from '../store/types.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: VerificationStore;
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
    let store: VerificationStore;
    if (useRedis) {
      const redis = RedisStore.fromConfig(config, opts.keyPrefix);
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
  { name: 'store' },
);
