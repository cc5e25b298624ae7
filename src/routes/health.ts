import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { notes } from '../openapi/notes.js';

const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], operationId: 'getHealth', ...notes({ success: 'The process serves' }), summary: 'Liveness', security: [], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        operationId: 'getReadiness',
        ...notes({ problems: ['store_unavailable'], success: 'The store answers' }),
        summary: 'Readiness: 200 when the store answers, else 503',
        security: [],
        response: { 200: z.object({ status: z.literal('ready'), store: z.string() }) },
      },
    },
    async () => {
      // Shutting down: load balancers should stop sending here before the server closes.
      if (app.shuttingDown) throw new AppError('store_unavailable', 'The service is shutting down');
      try {
        await app.store.ping();
      } catch {
        throw new AppError('store_unavailable', 'The store does not answer');
      }
      return { status: 'ready' as const, store: app.store.kind };
    },
  );
};

export default healthRoutes;
