import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { parsePhone } from '../phone.js';
import type { Caller } from '../services/verification-service.js';
import {
  checkBody,
  checkResult,
  idParams,
  idempotencyHeaders,
  problem,
  resendBody,
  startBody,
  verification,
} from '../schemas.js';
import { CHECK_EXAMPLE, CHECK_RESULT_EXAMPLE, RESEND_EXAMPLE, START_EXAMPLE, VERIFICATION_EXAMPLE } from '../openapi/examples.js';
import { notes } from '../openapi/notes.js';
import { idempotent } from './idempotency.js';

// Problems are serialized by one schema; the document lists each operation's own (notes).
const errors = { '4xx': problem, '5xx': problem };
const tags = ['verifications'];
/** Refusals every /v1 operation can answer with. */
const always = ['unauthorized', 'rate_limited', 'store_unavailable'] as const;
const verificationExample = { 200: VERIFICATION_EXAMPLE };

/** The use cases run as the request's client, logging through the request's logger. */
const caller = (req: FastifyRequest): Caller => ({ clientId: req.clientId, log: req.log });

/** The access log names the verification of a request (only ids of our own shape). */
const ID_SHAPE = /^vf_[0-9a-f]{35}$/;
function about<T extends { id: string }>(req: FastifyRequest, out: T): T {
  req.verificationId = out.id;
  return out;
}
const aboutParam = (req: FastifyRequest & { params: { id: string } }) => {
  if (ID_SHAPE.test(req.params.id)) req.verificationId = req.params.id;
};

const verificationRoutes: FastifyPluginAsyncZod<{ config: Config }> = async (app, opts) => {
  app.addHook('onRequest', app.authenticate);
  app.addHook('onRequest', app.limitClient);
  // Phone numbers are parsed here, once; the engine works on the parsed value.
  const phone = (to: string) => parsePhone(to, opts.config.DEFAULT_COUNTRY);

  app.post(
    '/verifications',
    {
      schema: {
        tags,
        operationId: 'startVerification',
        ...notes({
          problems: [
            ...always,
            'invalid_request',
            'invalid_phone_number',
            'country_not_allowed',
            'destination_blocked',
            'channel_not_available',
            'idempotency_key_reused',
            'resend_too_soon',
            'provider_error',
            'provider_unavailable',
          ],
          bodyChecks: true,
          rateLimited: true,
          successHeaders: ['Idempotent-Replayed'],
          success: 'The verification, pending with its first attempt',
          requestExample: START_EXAMPLE,
          responseExamples: { 201: VERIFICATION_EXAMPLE },
        }),
        summary: 'Start a verification: send a code to a phone number',
        description:
          'A pending verification of the same client to the same number is canceled. With an Idempotency-Key header, a repeat with the same key and body returns the first answer and sends nothing.',
        headers: idempotencyHeaders,
        body: startBody,
        response: { 201: verification, ...errors },
      },
    },
    async (req, reply) => {
      const { to, ...rest } = req.body;
      const start = () => app.verifications.start(caller(req), { ...rest, phone: phone(to) });
      const key = req.headers['idempotency-key'];
      if (key) return idempotent(app.store, req.clientId, key, req.body, reply, start);
      return reply.code(201).send(about(req, await start()));
    },
  );

  app.post(
    '/verifications/check',
    {
      schema: {
        tags,
        operationId: 'checkVerification',
        ...notes({
          problems: [...always, 'invalid_request', 'invalid_code_format', 'invalid_phone_number', 'verification_not_found', 'verification_not_pending'],
          bodyChecks: true,
          rateLimited: true,
          requestExample: CHECK_EXAMPLE,
          success: 'The code was compared: valid tells whether it was right',
          responseExamples: { 200: CHECK_RESULT_EXAMPLE },
        }),
        summary: 'Check a code',
        description: 'Give the code and either the verification id or the phone number (`to`).',
        body: checkBody,
        response: { 200: checkResult, ...errors },
      },
    },
    async (req) => {
      const { id, to, code } = req.body;
      if (id && ID_SHAPE.test(id)) req.verificationId = id;
      return about(req, await app.verifications.check(caller(req), { id, code, ...(to !== undefined ? { phone: phone(to) } : {}) }));
    },
  );

  app.get(
    '/verifications/:id',
    {
      schema: {
        tags,
        operationId: 'getVerification',
        ...notes({ problems: [...always, 'verification_not_found'], rateLimited: true, responseExamples: verificationExample, success: 'The verification' }),
        summary: 'Read a verification',
        params: idParams,
        response: { 200: verification, ...errors },
      },
    },
    async (req) => {
      aboutParam(req);
      return app.verifications.get(caller(req), req.params.id);
    },
  );

  app.post(
    '/verifications/:id/resend',
    {
      schema: {
        tags,
        operationId: 'resendVerification',
        ...notes({
          problems: [
            ...always,
            'invalid_request',
            // The provider may refuse the number itself (never tried on another provider).
            'invalid_phone_number',
            'verification_not_found',
            'verification_not_pending',
            'country_not_allowed',
            'destination_blocked',
            'channel_not_available',
            'resend_too_soon',
            'max_sends_reached',
            'provider_error',
            'provider_unavailable',
          ],
          bodyChecks: true,
          rateLimited: true,
          requestExample: RESEND_EXAMPLE,
          bodyOptional: true,
          success: 'The verification with a new attempt and a new code',
          responseExamples: verificationExample,
        }),
        summary: 'Send a new code, optionally on another channel',
        description: 'The old code stops being valid. Counts against MAX_SENDS and the send limits; waits for the cooldown (resendAvailableAt).',
        params: idParams,
        body: resendBody,
        response: { 200: verification, ...errors },
      },
    },
    async (req) => {
      aboutParam(req);
      return app.verifications.resend(caller(req), req.params.id, req.body?.channel);
    },
  );

  app.post(
    '/verifications/:id/cancel',
    {
      schema: {
        tags,
        operationId: 'cancelVerification',
        ...notes({
          // It takes no body, but one sent is read (malformed JSON: 400).
          problems: [...always, 'invalid_request', 'verification_not_found', 'verification_not_pending'],
          bodyChecks: true,
          rateLimited: true,
          success: 'The verification, canceled',
          responseExamples: { 200: { ...VERIFICATION_EXAMPLE, status: 'canceled' } },
        }),
        summary: 'Cancel a pending verification',
        params: idParams,
        response: { 200: verification, ...errors },
      },
    },
    async (req) => {
      aboutParam(req);
      return app.verifications.cancel(caller(req), req.params.id);
    },
  );
};

export default verificationRoutes;
