// `npm run bench:compare -- <a> <b>`: two builds of otpgate under the same load at the same
// time, to tell whether a change made a path cheaper. Not a test: CI does not run it.
//
//   npm run bench:compare -- main .                       # main against the working tree
//   npm run bench:compare -- HEAD~1 HEAD --paths check,get --rounds 8
//   npm run bench:compare -- . . --node-args-b=--max-semi-space-size=64   # same code, other flags
//
// <a> and <b> are git revisions (each built in a worktree of its own, on this checkout's
// node_modules) or `.` for the working tree as it is. Both servers run on one core (CPU 1, as
// in `npm run bench`) on one Redis, and each round drives both at once: whatever the host's
// other tenants do to that core, they do to both, so the rounds' ratios stay within a few per
// cent where one server measured after the other moved by 10 to 30 % (docs/performance.md).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { drive, type Load } from './load.js';
import { cpuSeconds, freePort, httpReady, startChild, startRedis, until, type Child } from './processes.js';
import { codesFromLog, collectIds, headers, median, otpgateEnv, pinBench, reads, startBody, wrongChecks } from './service.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    paths: { type: 'string', default: 'start,check,get' },
    'node-args-a': { type: 'string', default: '' },
    'node-args-b': { type: 'string', default: '' },
    'no-pin': { type: 'boolean', default: false },
  },
});
if (positionals.length !== 2) throw new Error('usage: npm run bench:compare -- <a> <b>   (git revisions, or . for the working tree)');
const [rounds, seconds, connections] = [args.rounds, args.seconds, args.connections].map((v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`--rounds, --seconds, --connections: whole numbers 1..1000, not ${v}`);
  return n;
});
const paths = args.paths.split(',');
const unknown = paths.filter((p) => !['start', 'check', 'get'].includes(p));
if (unknown.length) throw new Error(`--paths: start, check, get; not ${unknown.join(', ')}`);

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'otpgate-compare-'));
const log = (s: string) => process.stderr.write(`${s}\n`);
const worktrees: string[] = [];
const children: Child[] = [];

/** The directory holding a build of `rev`: the checkout itself for `.`, else a new worktree. */
function build(rev: string, label: string): string {
  let dir = root;
  if (rev !== '.') {
    dir = join(work, label);
    const added = spawnSync('git', ['-C', root, 'worktree', 'add', '--detach', dir, rev], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (added.status !== 0) throw new Error(`git worktree add ${rev} failed`);
    worktrees.push(dir);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  }
  log(`building ${rev} (npm run build)…`);
  if (spawnSync('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) throw new Error(`npm run build of ${rev} failed`);
  return dir;
}

try {
  const [a, b] = positionals;
  const dirA = build(a, 'a');
  const dirB = a === '.' && b === '.' ? dirA : build(b, 'b');
  const { pinned, onServerCore } = pinBench(!args['no-pin']);
  const redis = await startRedis(join(work, 'redis.log'), work);
  children.push(redis);

  interface Server {
    child: Child;
    url: string;
    logFile: string;
    /** The verifications its start rounds made. */
    ids: string[];
  }
  const servers: Server[] = [];
  for (const [i, dir] of [dirA, dirB].entries()) {
    const port = await freePort();
    const logFile = join(work, `otpgate-${'ab'[i]}.log`);
    const flags = (i ? args['node-args-b'] : args['node-args-a']).split(' ').filter(Boolean);
    const child = startChild(...onServerCore(process.execPath, [...flags, join(dir, 'dist/server.js')]), { cwd: work, logFile, env: otpgateEnv(port, redis.url) });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await until(`otpgate ${'ab'[i]}`, child, httpReady(`${url}/readyz`));
    servers.push({ child, url, logFile, ids: [] });
  }
  type PathLoad = Omit<Load, 'connections' | 'duration' | 'headers' | 'url'>;

  /** One server's round: its req/s and its CPU per request; an unexpected answer ends the run. */
  const round = async (s: Server, load: PathLoad, want: string) => {
    const cpu0 = cpuSeconds(s.child.proc.pid);
    const m = await drive({ connections, duration: seconds, headers, url: s.url, ...load });
    const usPerReq = ((cpuSeconds(s.child.proc.pid) - cpu0) * 1e6) / m.total;
    const other = Object.entries(m.statuses).filter(([code]) => code !== want);
    if (other.length) throw new Error(`unexpected answers from ${s.url}: ${JSON.stringify(m.statuses)}`);
    return { reqPerSec: m.reqPerSec, usPerReq };
  };
  const out = [
    `otpgate compare: a = ${a}${args['node-args-a'] ? ` (${args['node-args-a']})` : ''}, b = ${b}${args['node-args-b'] ? ` (${args['node-args-b']})` : ''}; ` +
      `${rounds} rounds of ${seconds} s, ${connections} connections each, both at once${pinned ? ', both servers on CPU 1' : ''}`,
    '',
    '| path | a req/s | b req/s | b / a (median) | rounds | a CPU µs/req | b CPU µs/req |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  const compare = async (name: string, want: string, load: (i: number) => PathLoad) => {
    log(`${name}: ${rounds} × ${seconds} s…`);
    const runs: Array<Array<Awaited<ReturnType<typeof round>>>> = [[], []];
    for (let k = 0; k < rounds; k++) {
      // Whichever load starts first may get a head start: alternate it.
      const order = k % 2 ? [1, 0] : [0, 1];
      const measured = await Promise.all(order.map((i) => round(servers[i], load(i), want)));
      order.forEach((i, j) => runs[i].push(measured[j]));
      await new Promise((r) => setTimeout(r, 300));
    }
    const ratios = runs[1].map((r, k) => r.reqPerSec / runs[0][k].reqPerSec).sort((x, y) => x - y);
    const rps = (i: number) => Math.round(median(runs[i].map((r) => r.reqPerSec))).toLocaleString('en-US');
    const us = (i: number) => Math.round(median(runs[i].map((r) => r.usPerReq)));
    out.push(`| ${name} | ${rps(0)} | ${rps(1)} | ${median(ratios).toFixed(3)} | ${ratios[0].toFixed(2)}–${ratios.at(-1)!.toFixed(2)} | ${us(0)} | ${us(1)} |`);
  };

  // Every path after start works on the verifications start made, so start always runs.
  await compare('start', '201', (i) => ({ method: 'POST', path: '/v1/verifications', next: startBody, onResponse: collectIds(servers[i].ids) }));
  await new Promise((r) => setTimeout(r, 300)); // the buffered log is flushed every 100 ms
  const checks = servers.map((s) => {
    const codes = codesFromLog(s.logFile);
    return wrongChecks(s.ids, (id) => codes.get(id));
  });
  const gets = servers.map((s) => reads(s.ids));
  if (paths.includes('check')) await compare('check (wrong)', '200', (i) => ({ method: 'POST', path: '/v1/verifications/check', next: checks[i] }));
  if (paths.includes('get')) await compare('get', '200', (i) => ({ method: 'GET', path: '/', next: gets[i] }));
  out.push('', 'b / a: the median of the rounds\' ratios of req/s (rounds: the lowest and the highest); CPU µs/req: the median over the rounds.');
  process.stdout.write(`${out.join('\n')}\n`);
} catch (err) {
  process.exitCode = 1;
  throw err;
} finally {
  await Promise.all(children.reverse().map((c) => c.stop()));
  for (const dir of worktrees) spawnSync('git', ['-C', root, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
  if (process.exitCode) log(`logs kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
