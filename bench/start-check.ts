// Load benchmark: start → check (wrong codes) → read, against the app running in this process.
//
//   npx tsx bench/start-check.ts [--duration 10] [--connections 10]
//   REDIS_URL=redis://127.0.0.1:6379 npx tsx bench/start-check.ts   # the Redis store
//
// The app listens on a free port of 127.0.0.1 only; SMS goes to a silent in-memory provider that
// records codes (no network, no console output); the limits that would refuse a load test are
// raised. Without REDIS_URL the embedded store is measured. With it, keys get a unique prefix and
// are deleted afterwards. Every phase runs for --duration seconds, then the script exits.
//
// The load generator (autocannon) shares this process and its event loop with the server, so the
// absolute numbers understate what a dedicated server process reaches; they are for comparing
// changes and stores, not for capacity planning.

import { randomBytes, randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import app, { serverOptions } from '../src/app.js';
import type { ChannelProvider } from '../src/channels/types.js';
import { testConfig } from '../src/config.js';

// autocannon ships no type declarations: the part of its API used here.
interface CannonRequest {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}
interface CannonOptions {
  url: string;
  duration: number;
  connections: number;
  headers?: Record<string, string>;
  requests?: Array<CannonRequest & { setupRequest?: (req: CannonRequest) => CannonRequest }>;
}
interface Histogram {
  average: number;
  p50: number;
  p97_5: number;
  p99: number;
  max: number;
}
interface CannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: CannonOptions) => Promise<CannonResult>;

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
if (!Number.isInteger(duration) || duration < 1 || duration > 600) throw new Error('--duration: 1..600 seconds');
if (!Number.isInteger(connections) || connections < 1 || connections > 1000) throw new Error('--connections: 1..1000');

const API_KEY = 'bench-secret-key-0001';
const redisUrl = process.env.REDIS_URL || undefined;
const keyPrefix = `bench:${randomBytes(4).toString('hex')}:`;

const config = testConfig({
  LOG_LEVEL: 'silent',
  API_KEYS: `bench:${API_KEY}`,
  REDIS_URL: redisUrl,
  REDIS_COMMAND_TIMEOUT_MS: '5000',
  // Nothing below may refuse a request of the benchmark.
  RESEND_COOLDOWN_SECONDS: '0',
  MAX_CHECK_ATTEMPTS: '100',
  PHONE_SEND_LIMIT: '100000',
  IP_SEND_LIMIT: '1000000',
  CLIENT_RATE_LIMIT: '10000000',
  PHONE_FAILURE_LIMIT: '1000000',
  PUMPING_MIN_SENDS: '1000000',
  PUMPING_MIN_CONVERSION: '0',
});

// The silent provider: remembers each verification's latest code.
const codes = new Map<string, string>();
const sms: ChannelProvider = {
  channel: 'sms',
  name: 'bench',
  send: async (req) => {
    if (req.code) codes.set(req.verificationId, req.code);
    return { providerRef: 'b', status: 'sent' };
  },
};

const server = Fastify(serverOptions(config));
await server.register(app, { config, providers: { sms }, keyPrefix });
await server.listen({ port: 0, host: '127.0.0.1' });
const addr = server.server.address();
if (!addr || typeof addr === 'string') throw new Error('no TCP address');
const url = `http://127.0.0.1:${addr.port}`;

const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
const rows: { phase: string; r: CannonResult }[] = [];

async function phase(name: string, req: CannonOptions['requests']) {
  process.stderr.write(`${name}: ${duration}s, ${connections} connections…\n`);
  const r = await autocannon({ url, duration, connections, headers, requests: req });
  rows.push({ phase: name, r });
}

// Distinct valid Russian mobile numbers: +7916 and 7 random digits, never repeated in a run.
const usedPhones = new Set<string>();
function randomPhone(): string {
  for (;;) {
    const p = `+7916${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
    if (!usedPhones.has(p)) {
      usedPhones.add(p);
      return p;
    }
  }
}

let exitCode = 0;
try {
  // With Redis the client connects in the background: wait until the store answers.
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}/readyz`);
    if (res.ok) break;
    if (i >= 50) throw new Error(`store not ready after 5 s: ${res.status} ${await res.text()}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  // (a) starts
  await phase('POST /v1/verifications', [
    {
      method: 'POST',
      path: '/v1/verifications',
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ to: randomPhone(), channel: 'sms' }) }),
    },
  ]);

  const ids = [...codes.keys()];
  if (ids.length === 0) throw new Error('phase (a) created no verification');
  // A wrong code of the right length: the real one with its last digit changed.
  const wrong = ids.map((id) => {
    const c = codes.get(id)!;
    return JSON.stringify({ id, code: c.slice(0, -1) + String((Number(c.at(-1)) + 1) % 10) });
  });

  // One wrong check by hand first: the phase below must measure refusals, not errors.
  const probe = await fetch(`${url}/v1/verifications/check`, { method: 'POST', headers, body: wrong[0] });
  const probed = (await probe.json()) as { valid?: boolean };
  if (probe.status !== 200 || probed.valid !== false) {
    throw new Error(`a wrong code should give 200 valid:false, got ${probe.status} ${JSON.stringify(probed)}`);
  }

  // (b) wrong codes, spread round-robin so no verification runs out of checks early
  let n = 0;
  await phase('POST /v1/verifications/check', [
    {
      method: 'POST',
      path: '/v1/verifications/check',
      setupRequest: (req) => ({ ...req, body: wrong[n++ % wrong.length] }),
    },
  ]);
  const checksPerVerification = n / ids.length;

  // (c) reads
  let m = 0;
  await phase('GET /v1/verifications/{id}', [
    {
      method: 'GET',
      path: '/v1/verifications/x',
      setupRequest: (req) => ({ ...req, path: `/v1/verifications/${ids[m++ % ids.length]}` }),
    },
  ]);

  const fmt = (x: number, d = 0) => x.toFixed(d).padStart(9);
  const lines = [
    `otpgate bench — store: ${redisUrl ? `redis (${redisUrl.replace(/\/\/[^@]*@/, '//***@')})` : 'embedded'}, ` +
      `node ${process.version}, ${duration}s per phase, ${connections} connections`,
    '',
    `${'phase'.padEnd(30)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p97.5 ms'.padStart(9)} ${'p99 ms'.padStart(9)} ${'total'.padStart(9)} ${'non-2xx'.padStart(9)} ${'errors'.padStart(9)}  statuses`,
  ];
  for (const { phase: p, r } of rows) {
    const statuses = Object.entries(r.statusCodeStats)
      .map(([s, v]) => `${s}×${v.count}`)
      .join(' ');
    lines.push(
      `${p.padEnd(30)} ${fmt(r.requests.average)} ${fmt(r.latency.p50, 1)} ${fmt(r.latency.p97_5, 1)} ${fmt(r.latency.p99, 1)} ` +
        `${fmt(r.requests.total)} ${fmt(r.non2xx)} ${fmt(r.errors + r.timeouts)}  ${statuses}`,
    );
    if (r.non2xx > 0 || r.errors > 0) exitCode = 1;
  }
  lines.push('', `${ids.length} verifications created; ${checksPerVerification.toFixed(1)} wrong checks per verification (limit ${config.MAX_CHECK_ATTEMPTS})`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await server.close();
  if (redisUrl) {
    // Remove this run's keys (they would expire, but need not linger).
    const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    r.on('error', () => {});
    try {
      await r.connect();
      let cursor = '0';
      let removed = 0;
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) removed += await r.unlink(...keys);
      } while (cursor !== '0');
      process.stderr.write(`removed ${removed} Redis keys under ${keyPrefix}\n`);
    } catch (err) {
      process.stderr.write(`could not remove the Redis keys under ${keyPrefix}: ${(err as Error).message}\n`);
    } finally {
      r.disconnect();
    }
  }
}
process.exitCode = exitCode;
