import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { finishDocument } from '../openapi/finish.js';

// The OpenAPI 3.1 document is generated from the routes' zod schemas and their notes
// (src/openapi/), served at /openapi.json and with Swagger UI at /docs.

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const OPENAPI_INFO = {
  title: 'otpgate',
  description: [
    'Self-hosted one-time-code verification: SMS (SMS Traffic), flash call and voice (uCaller, Twilio), and an auto workflow across them.',
    '',
    'Every refusal is `application/problem+json` with a stable `code`; each operation lists the statuses and codes it can answer with.',
    'With `API_KEYS` set, `/v1` needs `Authorization: Bearer <secret>`.',
  ].join('\n'),
  version: pkg.version,
  license: { name: 'MIT', identifier: 'MIT' },
};

export default fp(
  async function swaggerPlugin(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: OPENAPI_INFO,
        // Relative: the document describes the service that serves it, wherever it runs.
        servers: [{ url: '/', description: 'This service' }],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'A secret of API_KEYS (`client:secret`)' },
          },
        },
        security: [{ bearerAuth: [] }],
        tags: [
          { name: 'verifications', description: 'Start, check, read, resend and cancel verifications' },
          { name: 'callbacks', description: 'Inbound provider callbacks (authenticated by the CALLBACK_TOKEN path segment)' },
          { name: 'operations', description: 'Health and readiness' },
          { name: 'webhooks', description: 'Failed event webhooks: list and send again (docs/events.md)' },
        ],
      },
      transform: jsonSchemaTransform,
      transformObject: (doc) => finishDocument(jsonSchemaTransformObject(doc)),
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'swagger' },
);
