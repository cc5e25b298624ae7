import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { infoLineWriter } from '../logger.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verification a request was about, once known (set by the routes). */
    verificationId?: string;
  }
}

// One line per request, written when the answer is sent: request id, method, route pattern
// (never the raw URL: it may carry a callback token or anything a caller typed), status,
// milliseconds, and the client and verification. Probes and scrapes are not logged. Fastify's
// own request/response lines are off (app.ts). The line is built here as JSON text, every
// string through JSON.stringify, and written without pino's per-call work (logger.ts).

const QUIET = new Set(['/healthz', '/readyz', '/metrics']);
/** Route patterns are few and fixed: quoted once. */
const quoted = new Map<string, string>();
const routeJson = (route: string | undefined) => {
  if (route === undefined) return 'null';
  let q = quoted.get(route);
  if (q === undefined) quoted.set(route, (q = JSON.stringify(route)));
  return q;
};

export default fp(
  async function accessLog(app: FastifyInstance) {
    app.decorateRequest('verificationId', undefined);
    const write = infoLineWriter(app.log);
    if (!write) return;
    app.addHook('onResponse', (req, reply, done) => {
      const route = req.routeOptions.url;
      if (route === undefined || !QUIET.has(route)) {
        write(
          `"reqId":${JSON.stringify(req.id)},"method":${JSON.stringify(req.method)},"route":${routeJson(route)},` +
            `"status":${reply.statusCode},"ms":${Math.round(reply.elapsedTime * 10) / 10}` +
            (req.clientId ? `,"clientId":${JSON.stringify(req.clientId)}` : '') +
            (req.verificationId ? `,"verificationId":${JSON.stringify(req.verificationId)}` : ''),
          'request',
        );
      }
      done();
    });
  },
  { name: 'access-log' },
);
