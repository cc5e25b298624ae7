import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { mapDeliveryStatus } from '../channels/smstraffic.js';
import { codeTwiml, noCodeTwiml } from '../channels/twilio.js';
import { secretDigest } from '../codes.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { notes } from '../openapi/notes.js';

// Inbound provider callbacks (docs/callbacks.md). They carry no API key: the secret
// CALLBACK_TOKEN path segment is what authenticates them, so a wrong token is a plain 404.

const smsTrafficReport = z
  .object({
    sms_id: z.string().max(64).optional(),
    status: z.string().max(64).optional(),
    delivery_date: z.string().max(64).optional(),
  })
  .passthrough();

const twilioInbound = z
  .object({
    From: z.string().max(64).optional(),
    To: z.string().max(64).optional(),
    CallSid: z.string().max(64).optional(),
  })
  .passthrough();

const tokenParams = z.object({ token: z.string().max(256) });

const callbackRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  const expected = secretDigest(config.CALLBACK_TOKEN);
  const checkToken = async (req: { params: unknown }) => {
    const { token } = req.params as { token: string };
    if (!timingSafeEqual(secretDigest(token), expected)) throw new AppError('not_found', 'No such route');
  };
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
      else req.log.info({ status }, 'SMS Traffic report without a status we act on');
      return reply.type('text/plain').send('OK');
    },
  );

  app.post(
    '/callbacks/twilio/voice/:token',
    {
      onRequest: checkToken,
      schema: {
        ...schema,
        operationId: 'twilioInboundCall',
        ...notes({
          problems: [...problems],
          requestMediaTypes: form,
          responses: {
            200: {
              description: 'TwiML the telephony front plays: the code twice, or a short "no active code" message',
              content: {
                'text/xml': {
                  schema: { type: 'string' },
                  example:
                    '<Response><Say language="en-US" voice="Polly.Joanna">Your verification code is 1, 2, 3, 4.</Say><Pause length="1"/><Say language="en-US" voice="Polly.Joanna">1, 2, 3, 4.</Say><Hangup/></Response>',
                },
              },
            },
          },
        }),
        summary: 'Inbound call to the flash-call number: the robot dictates the code',
        description:
          'Twilio voice webhook (form From, To, CallSid). Answers TwiML: the code digit by digit, twice, when From has a pending flash-call verification whose code is the last four digits of To; otherwise a short "no active code" message.',
        body: twilioInbound,
      },
    },
    async (req, reply) => {
      const found =
        req.body.From && req.body.To ? await app.callbackRobot.codeFor(req.body.From, req.body.To) : undefined;
      req.log.info({ callSid: req.body.CallSid, found: !!found }, 'inbound call to the flash-call number');
      reply.type('text/xml');
      return found ? codeTwiml(found.locale, found.code, 'callback') : noCodeTwiml(config.DEFAULT_LOCALE);
    },
  );
};

export default callbackRoutes;
