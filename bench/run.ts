// `npm run bench`: otpgate as production runs it (node dist/server.js, LOG_LEVEL=info) on a
// fresh redis-server, next to a minimal reference server (reference-server.ts) on the same
// Redis, driven in one run by autocannon; prints req/s, p50, p99, the ratios and the Redis
// bytes per pending verification. Not a test: CI does not run it. Ratios of one run are what
// count; absolute numbers drift with the machine and whatever else it runs.
//
//   npm run bench -- [--duration 10] [--rounds 5] [--connections 50] [--pending 100000] [--no-build] [--cpu-prof] [--no-pin]
//
// Each path's --duration is split into --rounds short rounds, otpgate then the reference in
// each; the ratio shown is the median of the rounds' ratios. The machine's speed drifts (other
// tenants of the host): measured side by side, both servers see nearly the same drift, and one
// slow round cannot decide the ratio.
//
// On a machine with two or more cores and `taskset`, the server under load runs alone on CPU 1
// and everything else (autocannon, Redis) on CPU 0: each server then has one whole core in its
// phase, and neither competes with the load generator for it, which on two shared cores made
// the same code's numbers move by a third between runs. --no-pin lets the kernel place them.
//
// --cpu-prof runs otpgate under `node --cpu-prof` and writes, beside the profile, the time
// window of each path (profile-summary.ts reads both).

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { drive, type Load, type Measured } from './load.js';
import { cpuSeconds, freePort, httpReady, startChild, startRedis, until, type Child } from './processes.js';
import { codesFromLog, collectIds, headers, median, otpgateEnv, pinBench, reads, startBody, wrongChecks } from './service.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    pending: { type: 'string', default: '100000' },
    'no-build': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
  },
});
const int = (name: string, v: string, min: number, max: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name}: a whole number ${min}..${max}`);
  return n;
};
const duration = int('duration', args.duration, 1, 600);
const connections = int('connections', args.connections, 1, 1000);
const pending = int('pending', args.pending, 0, 10_000_000);
const rounds = int('rounds', args.rounds, 1, duration);

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'otpgate-bench-'));
const profDir = join(work, 'prof');
const log = (s: string) => process.stderr.write(`${s}\n`);

if (!args['no-build']) {
  log('building (npm run build)…');
  const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('npm run build failed');
}

const { pinned, onServerCore } = pinBench(!args['no-pin']);
const children: Child[] = [];

const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);

try {
  const redis = await startRedis(join(work, 'redis.log'), work);
  children.push(redis);
  const probe = new Redis(redis.url);

  // otpgate as `npm start` runs it, in a directory without a .env; console providers (the
  // default), the limits that would refuse a load test lifted.
  const port = await freePort();
  const otpLog = join(work, 'otpgate.log');
  mkdirSync(profDir);
  const otp = startChild(
    ...onServerCore(process.execPath, [...(args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), join(root, 'dist/server.js')]),
    {
      cwd: work,
      logFile: otpLog,
      env: otpgateEnv(port, redis.url),
    },
  );
  children.push(otp);
  const otpUrl = `http://127.0.0.1:${port}`;
  await until('otpgate', otp, httpReady(`${otpUrl}/readyz`));

  // Redis per pending verification: the empty Redis (otpgate connected), then N pending.
  let bytesPerPending: number | undefined;
  if (pending > 0) {
    log(`filling Redis with ${pending} pending verifications…`);
    const empty = await usedMemory(probe);
    const fill = await drive({ url: otpUrl, connections, amount: pending, headers, method: 'POST', path: '/v1/verifications', next: startBody });
    if (fill.statuses['201'] !== pending) throw new Error(`filling: expected ${pending} × 201, got ${JSON.stringify(fill.statuses)}`);
    bytesPerPending = ((await usedMemory(probe)) - empty) / pending;
  }

  const refPort = await freePort();
  const ref = startChild(...onServerCore(process.execPath, ['--import', 'tsx', join(root, 'bench/reference-server.ts')]), {
    cwd: root,
    logFile: join(work, 'reference.log'),
    env: { PATH: process.env.PATH, REDIS_URL: redis.url, PORT: String(refPort) },
  });
  children.push(ref);
  const refUrl = `http://127.0.0.1:${refPort}`;
  await until('reference server', ref, httpReady(`${refUrl}/bare`));

  const windows: Record<string, Array<[number, number]>> = {};
  type PathLoad = Omit<Load, 'connections' | 'duration' | 'headers'>;
  type Run = Measured & { cpu: string };
  /** One round of one server: its measures and the CPU its process and Redis spent. */
  const round = async (name: string, load: PathLoad) => {
    const server = (load.url === otpUrl ? otp : ref).proc.pid;
    const cpu0 = [cpuSeconds(server), cpuSeconds(redis.proc.pid)];
    const t0 = process.hrtime.bigint();
    const m = await drive({ connections, duration: duration / rounds, headers, ...load });
    (windows[name] ??= []).push([Number(t0 / 1000n), Number(process.hrtime.bigint() / 1000n)]);
    const cpu = [cpuSeconds(server) - cpu0[0], cpuSeconds(redis.proc.pid) - cpu0[1]];
    await new Promise((r) => setTimeout(r, 300));
    return { m, cpu };
  };
  /** A path's rounds, otpgate and reference side by side; totals over the rounds, median ratio. */
  const path = async (name: string, otpLoad: PathLoad, refLoad: PathLoad) => {
    log(`${name}: ${rounds} × (otpgate, reference) × ${duration / rounds} s, ${connections} connections…`);
    const runs: Array<Awaited<ReturnType<typeof round>>>[] = [[], []];
    for (let i = 0; i < rounds; i++) {
      runs[0].push(await round(`otpgate ${name}`, otpLoad));
      runs[1].push(await round(`reference ${name}`, refLoad));
    }
    const ratios = runs[0].map((o, i) => o.m.reqPerSec / runs[1][i].m.reqPerSec).sort((a, b) => a - b);
    const [otp_, ref_] = runs.map((rs): Run => {
      const total = rs.reduce((n, r) => n + r.m.total, 0);
      const statuses: Record<string, number> = {};
      for (const r of rs) for (const [c, k] of Object.entries(r.m.statuses)) statuses[c] = (statuses[c] ?? 0) + k;
      // CPU per request of the server and of Redis: what a request costs, whatever the throughput.
      const us = [0, 1].map((k) => Math.round((rs.reduce((s, r) => s + r.cpu[k], 0) * 1e6) / total));
      return {
        reqPerSec: rs.reduce((n, r) => n + r.m.reqPerSec, 0) / rs.length,
        p50: median(rs.map((r) => r.m.p50)),
        p99: median(rs.map((r) => r.m.p99)),
        total,
        statuses,
        cpu: `${us[0]} + ${us[1]}`,
      };
    });
    return { otp: otp_, ref: ref_, ratio: median(ratios), spread: [ratios[0], ratios[ratios.length - 1]] as const };
  };

  const otpIds: string[] = [];
  const refIds: string[] = [];
  const start = await path(
    'start',
    { url: otpUrl, method: 'POST', path: '/v1/verifications', next: startBody, onResponse: collectIds(otpIds) },
    { url: refUrl, method: 'POST', path: '/v1/verifications', next: startBody, onResponse: collectIds(refIds) },
  );
  if (!otpIds.length || !refIds.length) throw new Error('a start phase created no verification');

  // The console provider logged each code: a wrong code is the right one with its last digit
  // changed (a random one is right once in a million).
  await new Promise((r) => setTimeout(r, 300)); // the buffered log is flushed every 100 ms
  const codes = codesFromLog(otpLog);
  const check = await path(
    'check',
    { url: otpUrl, method: 'POST', path: '/v1/verifications/check', next: wrongChecks(otpIds, (id) => codes.get(id)) },
    { url: refUrl, method: 'POST', path: '/v1/verifications/check', next: wrongChecks(refIds, () => undefined) },
  );

  const get = await path(
    'get',
    { url: otpUrl, method: 'GET', path: '/', next: reads(otpIds) },
    { url: refUrl, method: 'GET', path: '/bare' },
  );

  const redisVersion = /redis_version:(\S+)/.exec(await probe.info('server'))?.[1];
  probe.disconnect();
  await Promise.all([otp.stop(), ref.stop()]);
  if (args['cpu-prof']) writeFileSync(join(profDir, 'windows.json'), JSON.stringify(windows, null, 2));

  const rows: Array<[string, string, Awaited<ReturnType<typeof path>>, string, number]> = [
    ['POST /v1/verifications', 'validate + 1 EVALSHA', start, '201', 0.6],
    ['POST /v1/verifications/check (wrong)', 'validate + HMAC + 1 EVALSHA', check, '200', 0.8],
    ['GET /v1/verifications/{id}', 'bare Fastify route', get, '200', 0.5],
  ];
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const ms = (x: number) => `${x} ms`;
  const out = [
    `otpgate bench: node ${process.version}, redis ${redisVersion}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ` +
      `${connections} connections, ${duration} s per path, LOG_LEVEL=info, console providers, ` +
      (pinned ? 'servers on CPU 1, load and Redis on CPU 0' : 'not pinned'),
    '',
    '| path | otpgate req/s | p50 | p99 | CPU µs/req | reference | req/s | p50 | p99 | CPU µs/req | ratio (target) | rounds |',
    '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  let ok = true;
  for (const [name, refName, { otp: o, ref: r, ratio, spread }, want, target] of rows) {
    out.push(
      `| \`${name}\` | ${n(o.reqPerSec)} | ${ms(o.p50)} | ${ms(o.p99)} | ${o.cpu} | ${refName} | ${n(r.reqPerSec)} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.cpu} | ` +
        `${ratio.toFixed(2)} (≥ ${target}) | ${spread[0].toFixed(2)}–${spread[1].toFixed(2)} |`,
    );
    for (const [name, s] of [['otpgate', o], ['reference', r]] as const) {
      const other = Object.entries(s.statuses).filter(([code]) => code !== want);
      if (other.length) {
        ok = false;
        out.push(`|   ${name}: unexpected answers ${other.map(([c, k]) => `${c} × ${k}`).join(', ')} |`);
      }
    }
  }
  out.push(
    '',
    `req/s: the mean over ${rounds} rounds; p50, p99: their median; ratio: the median of the rounds' ratios (rounds: the lowest and the highest).`,
    'CPU µs/req: the server process + redis-server, per request answered.',
  );
  if (bytesPerPending !== undefined) {
    out.push('', `Redis per pending verification: ${n(bytesPerPending)} bytes (used_memory over ${n(pending)} pending, minus the empty Redis)`);
  }
  if (args['cpu-prof']) out.push('', `profile: ${profDir} (npx tsx bench/profile-summary.ts ${profDir})`);
  process.stdout.write(`${out.join('\n')}\n`);
  if (!ok) process.exitCode = 1;
} catch (err) {
  process.exitCode = 1;
  throw err;
} finally {
  await Promise.all(children.reverse().map((c) => c.stop()));
  // The logs (~100 MB after a full fill) stay only when something needs looking into.
  if (process.exitCode || args['cpu-prof']) log(`logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
