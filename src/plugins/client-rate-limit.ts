import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { DEFAULT_KEY_PREFIX } from '../store/redis-client.js';
import { RedisStore } from '../store/redis-store.js';

// CLIENT_RATE_LIMIT requests per minute per API client, counted in Redis when the service
// uses it (shared by all instances). Registered inside the API routes, after authentication,
// so the key is the authenticated client, not the socket address.
export default fp<{ config: Config; keyPrefix?: string }>(
  async function clientRateLimit(app: FastifyInstance, { config, keyPrefix }) {
    await app.register(rateLimit, {
      max: config.CLIENT_RATE_LIMIT,
      timeWindow: 60_000,
      keyGenerator: (req) => req.clientId,
      ...(app.store instanceof RedisStore ? { redis: app.store.client, nameSpace: `${keyPrefix ?? DEFAULT_KEY_PREFIX}rl:` } : {}),
      // Redis down: let the request through, to be answered 503 store_unavailable.
      skipOnError: true,
      errorResponseBuilder: (_req, ctx) =>
        new AppError(
          'rate_limited',
          `More than ${ctx.max} requests per minute for this API client`,
          {},
          Math.max(Math.ceil(ctx.ttl / 1000), 1),
        ),
    });
  },
  { name: 'client-rate-limit', dependencies: ['store', 'auth'] },
);
