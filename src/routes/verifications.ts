import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { Config } from '../config.js';
import clientRateLimit from '../plugins/client-rate-limit.js';
import type { VerificationResource } from '../services/resource.js';
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

const errors = { '4xx': problem, '5xx': problem };
const tags = ['verifications'];

const verificationRoutes: FastifyPluginAsyncZod<{ config: Config; keyPrefix?: string }> = async (app, opts) => {
  app.addHook('onRequest', app.authenticate);
  await app.register(clientRateLimit, opts);

  app.post(
    '/verifications',
    {
      schema: {
        tags,
        summary: 'Start a verification: send a code to a phone number',
        description:
          'A pending verification of the same client to the same number is canceled. With an Idempotency-Key header, a repeat with the same key and body returns the first answer and sends nothing.',
        headers: idempotencyHeaders,
        body: startBody,
        response: { 201: verification, ...errors },
      },
    },
    async (req, reply) => {
      const result = await app.verifications.start(req.clientId, req.body, req.headers['idempotency-key']);
      if ('replayed' in result) reply.header('idempotent-replayed', 'true');
      if (result.statusCode >= 400) {
        return reply.code(result.statusCode).type('application/problem+json').send(result.body as z.infer<typeof problem>);
      }
      return reply.code(201).send(result.body as VerificationResource);
    },
  );

  app.post(
    '/verifications/check',
    {
      schema: {
        tags,
        summary: 'Check a code',
        description: 'Give the code and either the verification id or the phone number (`to`).',
        body: checkBody,
        response: { 200: checkResult, ...errors },
      },
    },
    async (req) => app.verifications.check(req.clientId, req.body),
  );

  app.get(
    '/verifications/:id',
    {
      schema: { tags, summary: 'Read a verification', params: idParams, response: { 200: verification, ...errors } },
    },
    async (req) => app.verifications.get(req.clientId, req.params.id),
  );

  app.post(
    '/verifications/:id/resend',
    {
      schema: {
        tags,
        summary: 'Send a new code, optionally on another channel',
        params: idParams,
        body: resendBody,
        response: { 200: verification, ...errors },
      },
    },
    async (req) => app.verifications.resend(req.clientId, req.params.id, req.body?.channel),
  );

  app.post(
    '/verifications/:id/cancel',
    {
      schema: { tags, summary: 'Cancel a pending verification', params: idParams, response: { 200: verification, ...errors } },
    },
    async (req) => app.verifications.cancel(req.clientId, req.params.id),
  );
};

export default verificationRoutes;
