import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

// Graceful shutdown in two steps: first readiness turns 503 while requests are still served
// (SHUTDOWN_DELAY_SECONDS, for load balancers to stop sending), then the server closes:
// no new connection, requests in flight finish, then Redis and timers close.

declare module 'fastify' {
  interface FastifyInstance {
    /** True from the moment shutdown begins (readiness answers 503). */
    readonly shuttingDown: boolean;
    /** Readiness 503 at once, serve for SHUTDOWN_DELAY_SECONDS, then close(). */
    shutdown(): Promise<void>;
  }
}

export default fp<{ config: Config }>(
  async function shutdownPlugin(app: FastifyInstance, { config }) {
    let shuttingDown = false;
    app.decorate('shuttingDown', { getter: () => shuttingDown });
    app.decorate('shutdown', async () => {
      shuttingDown = true;
      if (config.SHUTDOWN_DELAY_SECONDS > 0) await sleep(config.SHUTDOWN_DELAY_SECONDS * 1000);
      await app.close();
    });
    // A close() without shutdown() (tests, an embedding server) is a shutdown too.
    app.addHook('preClose', async () => {
      shuttingDown = true;
    });
    // While shutting down, answers close their keep-alive connection, so clients move on to
    // another instance and the server can finish as soon as the last one is sent. A callback
    // hook: every answer passes here, and an async one costs a promise each.
    app.addHook('onSend', (_req, reply, payload, done) => {
      if (shuttingDown) reply.header('connection', 'close');
      done(null, payload);
    });
  },
  { name: 'shutdown' },
);
