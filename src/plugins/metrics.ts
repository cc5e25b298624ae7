import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { createMetrics, type Metrics } from '../services/metrics.js';
import { sendProblem } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

// /metrics, plus what every request feeds: its duration, and its problem code when refused.
// Refusals are counted here, in one place, from the answer itself, so no refusal path
// (cooldown, limits, validation, auth) can be forgotten.

const PROBLEM_CODE = /"code":"([a-z_]+)"/;
const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

function tokenMatches(req: FastifyRequest, token: string) {
  const given = Buffer.from(req.headers.authorization ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  return given.length === want.length && timingSafeEqual(given, want);
}

export default fp<{ config?: Config }>(
  async function metricsPlugin(app: FastifyInstance, opts) {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);
    metrics.buildInfo.set({ version: VERSION, node: process.version }, 1);

    // Callback hooks: no promise per request.
    app.addHook('onSend', (_req, reply: FastifyReply, payload, done) => {
      if (reply.statusCode >= 400 && typeof payload === 'string' && String(reply.getHeader('content-type') ?? '').startsWith('application/problem+json')) {
        const code = PROBLEM_CODE.exec(payload)?.[1] ?? 'unknown';
        if (reply.statusCode < 500) metrics.refusals.inc({ reason: code });
        else metrics.errors.inc({ code });
      }
      done(null, payload);
    });
    app.addHook('onResponse', (req, reply, done) => {
      metrics.httpDuration.observe(
        { route: req.routeOptions.url ?? 'unmatched', method: req.method, status_class: `${Math.floor(reply.statusCode / 100)}xx` },
        reply.elapsedTime / 1000,
      );
      done();
    });

    const token = opts.config?.METRICS_TOKEN;
    app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
      if (token && !tokenMatches(req, token)) return sendProblem(reply, new AppError('unauthorized', 'A valid metrics token is required'));
      const up = await Promise.race([
        app.store.ping().then(() => 1, () => 0),
        new Promise<number>((r) => setTimeout(r, 1000, 0).unref()),
      ]);
      metrics.storeUp.set(up);
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: 'metrics' },
);
