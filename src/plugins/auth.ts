import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { secretDigest } from '../codes.js';
import type { Config } from '../config.js';
import { AuthFailureThrottle } from '../auth-throttle.js';
import { AppError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    clientId: string;
  }
  interface FastifyInstance {
    /** onRequest hook of the API routes (a callback hook: no promise per request). */
    authenticate: (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
  }
}

/** Client used for every request when API_KEYS is unset (development only). */
export const ANONYMOUS_CLIENT = 'default';

// Bearer API keys: `Authorization: Bearer <secret>` for a `client:secret` of API_KEYS.
// Secrets are compared as SHA-256 digests with timingSafeEqual, against every key, so the
// time taken tells nothing about which key or how much of it matched.
export default fp<{ config: Config }>(
  async function authPlugin(app: FastifyInstance, { config }) {
    const keys = config.API_KEYS?.map((k) => ({ client: k.client, digest: secretDigest(k.secret) }));
    if (!keys) {
      app.log.warn('API_KEYS is not set: authentication is OFF and every caller is client "default" (development only)');
    }
    const throttle = new AuthFailureThrottle(config.AUTH_FAILURE_LIMIT);
    // Each failure is logged with the address, never the key; a throttled address once per burst.
    const refuse = (req: FastifyRequest, why: string): never => {
      const address = req.socket.remoteAddress ?? 'unknown';
      app.metrics.authFailures.inc({ result: 'rejected' });
      const exhausted = throttle.fail(address);
      req.log.warn({ clientAddress: address, reason: why, throttled: exhausted || undefined }, 'authentication failed');
      throw new AppError('unauthorized', why === 'malformed' ? 'Missing or malformed Authorization: Bearer <api key>' : 'Unknown API key');
    };
    app.decorateRequest('clientId', '');
    const identify = (req: FastifyRequest): string => {
      if (!keys) return ANONYMOUS_CLIENT;
      const wait = throttle.retryAfter(req.socket.remoteAddress ?? 'unknown');
      if (wait > 0) {
        app.metrics.authFailures.inc({ result: 'throttled' });
        throw new AppError('rate_limited', 'Too many failed authentications from this address', {}, wait);
      }
      const header = req.headers.authorization;
      const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!m) return refuse(req, 'malformed');
      const given = secretDigest(m[1]);
      let client: string | undefined;
      for (const k of keys) if (timingSafeEqual(k.digest, given)) client = k.client;
      return client ?? refuse(req, 'unknown key');
    };
    app.decorate('authenticate', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
      try {
        req.clientId = identify(req);
      } catch (err) {
        return done(err as Error);
      }
      done();
    });
  },
  { name: 'auth', dependencies: ['metrics'] },
);
