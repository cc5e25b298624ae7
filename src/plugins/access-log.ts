import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verification a request was about, once known (set by the routes). */
    verificationId?: string;
  }
}

// One line per request, written when the answer is sent: method, route pattern (never the raw
// URL: it may carry a callback token or anything a caller typed), status, milliseconds, and
// the client and verification. The request id comes with the request's logger. Probes and
// scrapes are not logged. Fastify's own request/response lines are off (app.ts).

const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

export function accessLine(req: FastifyRequest, reply: FastifyReply) {
  return {
    method: req.method,
    route: req.routeOptions.url ?? null,
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 10) / 10,
    ...(req.clientId ? { clientId: req.clientId } : {}),
    ...(req.verificationId ? { verificationId: req.verificationId } : {}),
  };
}

export default fp(
  async function accessLog(app: FastifyInstance) {
    app.decorateRequest('verificationId', undefined);
    app.addHook('onResponse', (req, reply, done) => {
      const route = req.routeOptions.url;
      if (!(route && QUIET.has(route))) req.log.info(accessLine(req, reply), 'request');
      done();
    });
  },
  { name: 'access-log' },
);
