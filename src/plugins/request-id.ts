import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// X-Request-Id: the caller's own id when it is a sane token (so a request can be followed
// through the caller's logs and ours), otherwise a new one; echoed on every answer.

const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: Pick<IncomingMessage, 'headers'>): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE.test(given) ? given : randomUUID();
}

export default fp(
  async function requestIdPlugin(app: FastifyInstance) {
    app.addHook('onRequest', (req, reply, done) => {
      reply.header('x-request-id', req.id);
      done();
    });
  },
  { name: 'request-id' },
);
