import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';

export const OPENAPI_INFO = {
  title: 'otpgate',
  description:
    'Self-hosted one-time-code verification: SMS (SMS Traffic), flash call and voice (uCaller, Twilio), and an auto workflow across them. Errors are application/problem+json with a stable `code`.',
  version: '1.0.0',
};

export default fp(
  async function swaggerPlugin(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: OPENAPI_INFO,
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'A secret of API_KEYS' } },
        },
        security: [{ bearerAuth: [] }],
        tags: [
          { name: 'verifications', description: 'Start, check, read, resend and cancel verifications' },
          { name: 'callbacks', description: 'Inbound provider callbacks' },
          { name: 'operations', description: 'Health and readiness' },
        ],
      },
      transform: jsonSchemaTransform,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'swagger' },
);
