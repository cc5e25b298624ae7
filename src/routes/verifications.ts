import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { parsePhone } from '../phone.js';
import clientRateLimit from '../plugins/client-rate-limit.js';
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
import { idempotent } from './idempotency.js';

const errors = { '4xx': problem, '5xx': problem };
const tags = ['verifications'];

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

const verificationRoutes: FastifyPluginAsyncZod<{ config: Config; keyPrefix?: string }> = async (app, opts) => {
  app.addHook('onRequest', app.authenticate);
  await app.register(clientRateLimit, opts);
  // Phone numbers are parsed here, once; the engine works on the parsed value.
  const phone = (to: string) => parsePhone(to, opts.config.DEFAULT_COUNTRY);

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
      schema: { tags, summary: 'Read a verification', params: idParams, response: { 200: verification, ...errors } },
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
        summary: 'Send a new code, optionally on another channel',
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
      schema: { tags, summary: 'Cancel a pending verification', params: idParams, response: { 200: verification, ...errors } },
    },
    async (req) => {
      aboutParam(req);
      return app.verifications.cancel(caller(req), req.params.id);
    },
  );
};

export default verificationRoutes;
