import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mapDeliveryStatus, SMSTRAFFIC_STATUSES } from '../channels/smstraffic.js';
import type { Config } from '../config.js';
import { notes } from '../openapi/notes.js';
import { callbackTokenCheck, loggableStatus, tokenParams } from './callback-token.js';
import smsRuCallbackRoutes from './smsru-callbacks.js';
import twilioCallbackRoutes from './twilio-callbacks.js';

// Inbound provider callbacks (docs/callbacks.md). They carry no API key: the secret
// CALLBACK_TOKEN path segment is what authenticates them, so a wrong token is a plain 404.

const smsTrafficReport = z
  .object({
    sms_id: z.string().max(64).optional(),
    status: z.string().max(64).optional(),
    delivery_date: z.string().max(64).optional(),
  })
  .passthrough();

const callbackRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  const checkToken = callbackTokenCheck(config);
  const schema = { tags: ['callbacks'], security: [], params: tokenParams };
  const form = ['application/x-www-form-urlencoded'];
  const problems = ['not_found', 'invalid_request', 'store_unavailable'] as const;

  app.post(
    '/callbacks/smstraffic/:token',
    {
      onRequest: checkToken,
      schema: {
        ...schema,
        operationId: 'smstrafficDeliveryReport',
        ...notes({
          problems: [...problems],
          requestMediaTypes: form,
          bodyChecks: true,
          responses: {
            200: {
              description: 'Report taken (unknown ids too)',
              content: { 'text/plain': { schema: { type: 'string', const: 'OK' }, example: 'OK' } },
            },
          },
        }),
        summary: 'SMS Traffic delivery reports',
        description: 'Form fields sms_id, status, delivery_date. Idempotent; unknown ids are answered 200 and ignored.',
        body: smsTrafficReport,
      },
    },
    async (req, reply) => {
      const { sms_id: smsId, status } = req.body;
      const mapped = status ? mapDeliveryStatus(status) : undefined;
      if (smsId && mapped) await app.verifications.applyDeliveryStatus('smstraffic', smsId, mapped);
      else req.log.info({ status: loggableStatus(status, SMSTRAFFIC_STATUSES) }, 'SMS Traffic report without a status we act on');
      return reply.type('text/plain').send('OK');
    },
  );

  await app.register(twilioCallbackRoutes, { config });
  await app.register(smsRuCallbackRoutes, { config });
};

export default callbackRoutes;
