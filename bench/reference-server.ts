import { createHmac, randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

// The yardstick of `npm run bench`: what the least a service of this kind does costs on this
// machine, in the same run. A start is a validated JSON body and one EVALSHA; a check a
// validated body, one HMAC and one EVALSHA; /bare a Fastify route with nothing behind it (the
// yardstick of a read). No auth, no rate limit, no log: each ratio is what otpgate's rules
// and hygiene cost on top of the bare minimum.
//
//   REDIS_URL=redis://127.0.0.1:6379 PORT=3001 node --import tsx bench/reference-server.ts

const SECRET = randomBytes(32);
const TTL_MS = 600_000;

// One script each, run by EVALSHA (ioredis loads it on first use).
const START = `redis.call('HSET', KEYS[1], 'h', ARGV[1], 'n', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;
const CHECK = `local h = redis.call('HGET', KEYS[1], 'h')
if not h then return -1 end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
if h == ARGV[1] then redis.call('DEL', KEYS[1]) return 100 end
return 100 - n`;

interface RefRedis extends Redis {
  refStart(key: string, hmac: string, ttlMs: number): Promise<number>;
  refCheck(key: string, hmac: string): Promise<number>;
}

const hmac = (id: string, code: string) => createHmac('sha256', SECRET).update(`${id}:${code}`).digest('hex');

export async function buildReference(redisUrl: string, prefix = 'ref:'): Promise<{ app: FastifyInstance; redis: RefRedis }> {
  const redis = new Redis(redisUrl) as RefRedis;
  redis.defineCommand('refStart', { numberOfKeys: 1, lua: START });
  redis.defineCommand('refCheck', { numberOfKeys: 1, lua: CHECK });
  const app = Fastify({ logger: false });
  app.addHook('onClose', async () => void redis.disconnect());

  app.post(
    '/v1/verifications',
    {
      schema: {
        body: {
          type: 'object',
          required: ['to'],
          additionalProperties: false,
          properties: { to: { type: 'string', pattern: '^\\+[1-9][0-9]{7,14}$' }, channel: { type: 'string', enum: ['sms', 'flash_call', 'voice', 'auto'] } },
        },
      },
    },
    async (_req, reply) => {
      const id = `ref_${randomBytes(16).toString('hex')}`;
      const code = String(100000 + (randomBytes(4).readUInt32BE() % 900000));
      await redis.refStart(`${prefix}${id}`, hmac(id, code), TTL_MS);
      return reply.code(201).send({ id, status: 'pending' });
    },
  );

  app.post(
    '/v1/verifications/check',
    {
      schema: {
        body: {
          type: 'object',
          required: ['id', 'code'],
          additionalProperties: false,
          properties: { id: { type: 'string', maxLength: 64 }, code: { type: 'string', pattern: '^[0-9]{4,10}$' } },
        },
      },
    },
    async (req, reply) => {
      const { id, code } = req.body as { id: string; code: string };
      const left = await redis.refCheck(`${prefix}${id}`, hmac(id, code));
      if (left < 0) return reply.code(404).send({ code: 'not_found' });
      return { id, valid: left === 100, checksRemaining: Math.max(left, 0) };
    },
  );

  app.get('/bare', async () => ({ id: 'ref', status: 'pending' }));
  return { app, redis };
}

// Run as a process of its own (the bench starts it): listens on 127.0.0.1:PORT.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = await buildReference(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await app.listen({ port: Number(process.env.PORT ?? 3001), host: '127.0.0.1' });
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
