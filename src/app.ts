import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Providers } from './channels/types.js';
import type { Config } from './config.js';
import { clientErrorHandler, frameworkErrors } from './edge-errors.js';
import { createLogger } from './logger.js';
import accessLogPlugin from './plugins/access-log.js';
import authPlugin from './plugins/auth.js';
import devPhonePlugin from './plugins/dev-phone.js';
import errorsPlugin from './plugins/errors.js';
import clientRateLimitPlugin from './plugins/client-rate-limit.js';
import businessMetricsPlugin from './plugins/business-metrics.js';
import metricsPlugin from './plugins/metrics.js';
import providersPlugin from './plugins/providers.js';
import requestIdPlugin, { requestIdOf } from './plugins/request-id.js';
import { responseSerializerCompiler } from './response-serializer.js';
import servicePlugin from './plugins/service.js';
import shutdownPlugin from './plugins/shutdown.js';
import storePlugin from './plugins/store.js';
import swaggerPlugin from './plugins/swagger.js';
import webhooksPlugin, { type WebhookTuning } from './plugins/webhooks.js';
import callbackRoutes from './routes/callbacks.js';
import healthRoutes from './routes/health.js';
import rootRoutes from './routes/root.js';
import verificationRoutes from './routes/verifications.js';
import webhookRoutes from './routes/webhooks.js';

export interface AppOptions {
  config: Config;
  /** Time source (tests move it forward to expire codes without waiting). */
  clock?: () => number;
  /** Replaces channel providers (tests). */
  providers?: Partial<Providers>;
  /** Redis key prefix (tests share one Redis). */
  keyPrefix?: string;
  /** Webhook timings for tests (see plugins/webhooks.ts). */
  webhookTuning?: WebhookTuning;
}

// The whole service as one plugin: server.ts registers it on a listening instance, tests on
// one they drive with inject().
async function otpgate(fastify: FastifyInstance, opts: AppOptions) {
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setSerializerCompiler(responseSerializerCompiler);
  await fastify.register(shutdownPlugin, { config: opts.config });
  await fastify.register(requestIdPlugin);
  await fastify.register(accessLogPlugin);
  await fastify.register(errorsPlugin);
  await fastify.register(formbody);
  await fastify.register(metricsPlugin, { config: opts.config });
  await fastify.register(swaggerPlugin);
  await fastify.register(storePlugin, { config: opts.config, clock: opts.clock, keyPrefix: opts.keyPrefix });
  await fastify.register(providersPlugin, { config: opts.config, providers: opts.providers });
  await fastify.register(authPlugin, { config: opts.config });
  await fastify.register(clientRateLimitPlugin, { config: opts.config, clock: opts.clock, keyPrefix: opts.keyPrefix });
  await fastify.register(servicePlugin, { config: opts.config, clock: opts.clock, keyPrefix: opts.keyPrefix });
  await fastify.register(businessMetricsPlugin, { config: opts.config });
  await fastify.register(webhooksPlugin, { config: opts.config, clock: opts.clock, keyPrefix: opts.keyPrefix, tuning: opts.webhookTuning });
  await fastify.register(devPhonePlugin, { config: opts.config });
  await fastify.register(healthRoutes);
  await fastify.register(rootRoutes);
  await fastify.register(verificationRoutes, { prefix: '/v1', config: opts.config });
  await fastify.register(callbackRoutes, { prefix: '/v1', config: opts.config });
  await fastify.register(webhookRoutes, { prefix: '/v1' });
}

// Not encapsulated: the service's decorators (swagger, store, ...) belong to the root instance.
const app = fp(otpgate, { name: 'otpgate', fastify: '5.x' });
export default app;

export function serverOptions(config: Config, logStream?: NodeJS.WritableStream): FastifyServerOptions {
  return {
    loggerInstance: createLogger(config, logStream),
    // One access line per request instead (plugins/access-log.ts).
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    // Requests are small JSON documents; anything larger is not ours.
    bodyLimit: 64 * 1024,
    // An id of any length the URL allows reaches the route and is a 404.
    routerOptions: { maxParamLength: 16 * 1024 },
    frameworkErrors,
    clientErrorHandler,
    // Slow clients: headers within seconds, the whole request within requestTimeout, checked
    // every second (Node's default check runs every 30 s).
    requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    ...({
      http: {
        headersTimeout: Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS),
        connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(config.HTTP_HEADERS_TIMEOUT_MS / 4))),
      },
    } as object),
    // X-Forwarded-For is not trusted: clientIp comes from the calling backend's body.
    trustProxy: false,
    ajv: undefined,
  };
}

/** Builds a ready app without listening. */
export async function buildApp(opts: AppOptions, logStream?: NodeJS.WritableStream): Promise<FastifyInstance> {
  const fastify = Fastify(serverOptions(opts.config, logStream));
  await fastify.register(app, opts);
  await fastify.ready();
  return fastify;
}
