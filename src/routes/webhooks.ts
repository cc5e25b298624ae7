import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { notes } from '../openapi/notes.js';
import { problem } from '../schemas.js';
import { failedView } from '../webhooks/message.js';

// Failed webhook events (docs/events.md): the calling client's own, and a re-send of one.

const failedEvent = z.object({
  id: z.string().describe('The event id, also its webhook-id'),
  type: z.string(),
  verificationId: z.string(),
  timestamp: z.string(),
  attempts: z.number().int().min(0).max(1000),
  lastStatus: z.number().int().min(100).max(599).nullable().describe('HTTP status of the last attempt, null when none came'),
  lastAttemptAt: z.string().nullable(),
});

const errors = { '4xx': problem, '5xx': problem };
const tags = ['webhooks'];
const always = ['unauthorized', 'rate_limited', 'store_unavailable'] as const;

const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.limitClient);

  app.get(
    '/webhooks/failed',
    {
      schema: {
        tags,
        operationId: 'listFailedWebhooks',
        ...notes({ problems: [...always], rateLimited: true, success: 'The failed events, newest first' }),
        summary: 'List failed webhook events',
        description: 'Events of the calling client whose every delivery attempt failed, kept 7 days; newest first.',
        response: { 200: z.object({ events: z.array(failedEvent) }), ...errors },
      },
    },
    async (req) => ({ events: ((await app.webhooks?.failed(req.clientId)) ?? []).map(failedView) }),
  );

  app.post(
    '/webhooks/failed/:id/retry',
    {
      schema: {
        tags,
        operationId: 'retryFailedWebhook',
        // It takes no body, but one sent is read (malformed JSON: 400).
        ...notes({ problems: [...always, 'invalid_request', 'webhook_event_not_found'], bodyChecks: true, rateLimited: true, success: 'Queued again' }),
        summary: 'Send a failed webhook event again',
        description: 'Queues the event again with the same webhook-id and a fresh retry schedule.',
        params: z.object({ id: z.string().max(64).describe('The event id (webhook-id)') }),
        response: { 202: z.object({ id: z.string() }), ...errors },
      },
    },
    async (req, reply) => {
      const queued = await app.webhooks?.retry(req.clientId, req.params.id);
      if (!queued) throw new AppError('webhook_event_not_found', 'No failed webhook event with this id');
      return reply.code(202).send({ id: req.params.id });
    },
  );
};

export default webhookRoutes;
