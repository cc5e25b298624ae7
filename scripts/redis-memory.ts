// Redis bytes per pending verification: starts N verifications (random numbers, console
// providers, limits that would refuse a load lifted) through the service on a fresh
// redis-server of its own, and divides the growth of used_memory by N.
//   npx tsx scripts/redis-memory.ts [N=100000] [--reported]
// --reported: an SMS provider that answers with a 10-digit message id (as SMS Traffic does),
// so each verification also keeps its provider-reference index for delivery reports.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { buildApp } from '../src/app.js';
import type { ChannelProvider } from '../src/channels/types.js';
import { testConfig } from '../src/config.js';

const N = Number(process.argv[2] ?? 100_000);
const reported = process.argv.includes('--reported');
let ref = 1_000_000_000;
const reportingSms: ChannelProvider = {
  channel: 'sms',
  name: 'smstraffic',
  send: async () => ({ providerRef: String(ref++), status: 'sent' }),
};
const CONCURRENCY = 64;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const redis = new Redis({ port });
redis.on('error', () => {}); // until redis-server listens
await new Promise((resolve) => redis.once('ready', resolve));
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

const config = testConfig({
  REDIS_URL: `redis://127.0.0.1:${port}`,
  PHONE_SEND_LIMIT: '1000',
  CLIENT_RATE_LIMIT: '10000000',
  PUMPING_MIN_SENDS: '1000000',
});
const app = await buildApp({ config, ...(reported ? { providers: { sms: reportingSms } } : {}) });
const before = await usedMemory();
let next = 0;
let failed = 0;
const numbers = new Set<string>();
const phone = () => {
  for (;;) {
    const n = `+7916${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    if (!numbers.has(n)) return numbers.add(n), n;
  }
};
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < N) {
      const res = await app.inject({ method: 'POST', url: '/v1/verifications', payload: { to: phone() } });
      if (res.statusCode !== 201) failed++;
    }
  }),
);
const after = await usedMemory();
await app.close();
redis.disconnect();
server.kill('SIGKILL');
console.log(JSON.stringify({ pending: N - failed, failed, usedMemoryGrowth: after - before, bytesPerPending: Math.round((after - before) / (N - failed)) }));
