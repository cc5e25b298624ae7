import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { codeTwiml, noCodeTwiml, TWILIO_CALL_STATUSES, twilioCallStatus } from '../channels/twilio.js';
import { type FormParams, validTwilioSignature } from '../channels/twilio-signature.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { notes } from '../openapi/notes.js';
import { callbackTokenCheck, loggableCallSid, loggableStatus, tokenParams } from './callback-token.js';

// Twilio's webhooks (docs/callbacks.md): the call-back robot (an inbound call to the
// flash-call number) and the status callbacks of our outbound voice calls. With
// TWILIO_AUTH_TOKEN set, each must carry Twilio's X-Twilio-Signature over the URL Twilio
// requested — PUBLIC_URL + path, since behind a proxy the service sees another URL — and a
// bad or missing one is 403 before anything is read or changed.

const twilioInbound = z
  .object({
    From: z.string().max(64).optional(),
    To: z.string().max(64).optional(),
    CallSid: z.string().max(64).optional(),
  })
  .passthrough();

const twilioStatus = z
  .object({
    CallSid: z.string().max(64).optional(),
    CallStatus: z.string().max(64).optional(),
    SequenceNumber: z.string().max(16).optional(),
  })
  .passthrough();

const twilioCallbackRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, { config }) => {
  const checkToken = callbackTokenCheck(config);
  const publicBase = config.PUBLIC_URL.replace(/\/+$/, '');
  const authToken = config.TWILIO_AUTH_TOKEN;

  const checkSignature = async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!authToken) return;
    const header = req.headers['x-twilio-signature'];
    const params = (req.body && typeof req.body === 'object' ? req.body : {}) as FormParams;
    if (!validTwilioSignature(authToken, typeof header === 'string' ? header : undefined, publicBase + req.url, params)) {
      req.log.warn({ signed: typeof header === 'string' }, 'Twilio webhook with a bad or missing signature refused');
      throw new AppError('invalid_signature', 'X-Twilio-Signature is missing or does not match');
    }
  };
  const schema = { tags: ['callbacks'], security: [], params: tokenParams };
  const form = ['application/x-www-form-urlencoded'];
  const problems = ['not_found', 'invalid_request', 'invalid_signature', 'store_unavailable'] as const;

  app.post(
    '/callbacks/twilio/voice/:token',
    {
      onRequest: checkToken,
      preHandler: checkSignature,
      schema: {
        ...schema,
        operationId: 'twilioInboundCall',
        ...notes({
          problems: [...problems],
          requestMediaTypes: form,
          bodyChecks: true,
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
          'Twilio voice webhook (form From, To, CallSid), signed with X-Twilio-Signature when TWILIO_AUTH_TOKEN is set (403 otherwise). Answers TwiML: the code digit by digit, twice, when From has a pending flash-call verification whose code is the last four digits of To; otherwise a short "no active code" message.',
        body: twilioInbound,
      },
    },
    async (req, reply) => {
      const found =
        req.body.From && req.body.To ? await app.callbackRobot.codeFor(req.body.From, req.body.To) : undefined;
      req.log.info({ callSid: loggableCallSid(req.body.CallSid), found: !!found }, 'inbound call to the flash-call number');
      reply.type('text/xml');
      return found ? codeTwiml(found.locale, found.code, 'callback') : noCodeTwiml(config.DEFAULT_LOCALE);
    },
  );

  app.post(
    '/callbacks/twilio/status/:token',
    {
      onRequest: checkToken,
      preHandler: checkSignature,
      schema: {
        ...schema,
        operationId: 'twilioCallStatus',
        ...notes({
          problems: [...problems],
          requestMediaTypes: form,
          bodyChecks: true,
          responses: { 204: { description: 'Status taken (unknown calls and intermediate statuses too)' } },
        }),
        summary: 'Twilio status callbacks of outbound voice calls',
        description:
          'Form CallSid, CallStatus, … signed with X-Twilio-Signature when TWILIO_AUTH_TOKEN is set (403 otherwise). completed → attempt delivered; busy, no-answer, failed, canceled → undelivered (an auto workflow moves on at once); other statuses change nothing. Answers 204.',
        body: twilioStatus,
      },
    },
    async (req, reply) => {
      const { CallSid: sid, CallStatus: status } = req.body;
      const mapped = status ? twilioCallStatus(status) : undefined;
      if (sid && mapped) await app.verifications.applyDeliveryStatus('twilio', sid, mapped);
      else req.log.info({ callStatus: loggableStatus(status, TWILIO_CALL_STATUSES) }, 'Twilio status without a final status');
      return reply.code(204).send();
    },
  );
};

export default twilioCallbackRoutes;
