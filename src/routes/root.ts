import type { FastifyInstance } from 'fastify';

// GET / sends a person who opens the service in a browser to the API documentation.
export default async function rootRoutes(app: FastifyInstance) {
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/docs', 302));
}
