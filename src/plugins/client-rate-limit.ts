import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { ClientRateLimiter, redisCounter } from '../services/client-rate-limiter.js';
import { DEFAULT_KEY_PREFIX } from '../store/redis-client.js';
import { RedisStore } from '../store/redis-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook of the API routes, after authentication: CLIENT_RATE_LIMIT per client. */
    limitClient: (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
  }
}

// One limiter per process, shared by every /v1 route group (services/client-rate-limiter.ts:
// counted at once here, added to Redis in batches so all instances share the budget).
export default fp<{ config: Config; clock?: () => number; keyPrefix?: string }>(
  async function clientRateLimit(app: FastifyInstance, { config, clock, keyPrefix }) {
    const counter = app.store instanceof RedisStore ? redisCounter(app.store.client) : undefined;
    const prefix = `${keyPrefix ?? DEFAULT_KEY_PREFIX}rl:`;
    const limiter = new ClientRateLimiter(config.CLIENT_RATE_LIMIT, counter, {
      now: clock,
      key: (client, w) => `${prefix}${client}:${w}`,
    });
    app.addHook('onClose', async () => limiter.stop());
    const limit = String(config.CLIENT_RATE_LIMIT);

    app.decorate('limitClient', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const t = limiter.take(req.clientId);
      reply.header('x-ratelimit-limit', limit);
      reply.header('x-ratelimit-remaining', String(t.remaining));
      reply.header('x-ratelimit-reset', String(t.resetSeconds));
      if (t.allowed) return done();
      done(new AppError('rate_limited', `More than ${limit} requests per minute for this API client`, {}, t.resetSeconds));
    });
  },
  { name: 'client-rate-limit', dependencies: ['store'] },
);
