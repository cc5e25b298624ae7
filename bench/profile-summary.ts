// Where otpgate's CPU went on each path of a `npm run bench -- --cpu-prof` run: reads the V8
// profile and the paths' time windows (windows.json, same monotonic clock) and prints, per
// path, the share of samples by component (self time), the heaviest functions, and the
// inclusive share of frames matching --match patterns (a sample counts once per pattern).
// --group name=regex splits the samples instead: each goes to the group of the innermost frame
// that matches one (the rest to "other"), so groups add up to 100 % and a callback hook's
// group does not swallow everything its done() runs (docs/performance.md uses these).
//
//   npx tsx bench/profile-summary.ts <profile dir> [--top 15] [--match 'pino|access-log' --match serialize]
//     [--group 'logging=pino|sonic-boom|access-log' --group 'redis=ioredis']

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface Frame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: Array<{ id: number; callFrame: Frame; children?: number[] }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '15' },
    match: { type: 'string', multiple: true, default: [] },
    group: { type: 'string', multiple: true, default: [] },
  },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: profile-summary.ts <profile dir> [--top N] [--match regex]…');
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const prof = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
// Each phase's time windows (one per round; an older bench wrote a single window).
const windows = JSON.parse(readFileSync(join(dir, 'windows.json'), 'utf8')) as Record<string, [number, number] | Array<[number, number]>>;
const spans = (w: [number, number] | Array<[number, number]>): Array<[number, number]> => (typeof w[0] === 'number' ? [w as [number, number]] : (w as Array<[number, number]>));

const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** The component a frame belongs to, by where its code lives. */
function component(f: Frame): string {
  const u = f.url;
  if (!u) return f.functionName.startsWith('(') ? f.functionName : 'native / V8';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (pkg) return pkg[1];
  if (u.startsWith('node:')) return 'node internals';
  const own = /\/dist\/(.+)\.js$/.exec(u);
  return own ? `otpgate ${own[1]}` : u;
}
const label = (f: Frame) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(node_modules|dist)\//, '')}:${f.lineNumber + 1}`;
const pct = (k: number, total: number) => `${((100 * k) / total).toFixed(1).padStart(5)} %`;
const patterns = args.match.map((m) => new RegExp(m));
const groups = args.group.map((g) => {
  const at = g.indexOf('=');
  if (at < 1) throw new Error(`--group name=regex, not ${g}`);
  return { name: g.slice(0, at), re: new RegExp(g.slice(at + 1)) };
});

const top = Number(args.top);
let t = prof.startTime;
const stamps = prof.timeDeltas.map((d) => (t += d));
for (const [name, w] of Object.entries(windows)) {
  const ws = spans(w);
  if (!name.startsWith('otpgate')) continue;
  const self = new Map<string, number>();
  const comp = new Map<string, number>();
  const hits = patterns.map(() => 0);
  const grouped = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    if (!ws.some(([from, to]) => stamps[i] >= from && stamps[i] <= to)) return;
    const node = byId.get(id)!;
    total++;
    self.set(label(node.callFrame), (self.get(label(node.callFrame)) ?? 0) + 1);
    comp.set(component(node.callFrame), (comp.get(component(node.callFrame)) ?? 0) + 1);
    if (groups.length) {
      let name = 'other';
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
        const text = label(byId.get(n)!.callFrame);
        const g = groups.find((x) => x.re.test(text));
        if (g) {
          name = g.name;
          break;
        }
      }
      grouped.set(name, (grouped.get(name) ?? 0) + 1);
    }
    if (!patterns.length) return;
    const seen = patterns.map(() => false);
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const text = label(byId.get(n)!.callFrame);
      patterns.forEach((p, k) => (seen[k] ||= p.test(text)));
    }
    seen.forEach((s, k) => s && hits[k]++);
  });
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  const out = [`== ${name}: ${total} samples`, '  self time by component:'];
  for (const [k, v] of sorted(comp)) out.push(`    ${pct(v, total)}  ${k}`);
  out.push('  heaviest functions (self):');
  for (const [k, v] of sorted(self)) out.push(`    ${pct(v, total)}  ${k}`);
  if (groups.length) out.push('  by group (innermost matching frame):');
  for (const [k, v] of [...grouped].sort((a, b) => b[1] - a[1])) out.push(`    ${pct(v, total)}  ${k}`);
  if (patterns.length) out.push('  inclusive:');
  patterns.forEach((p, k) => out.push(`    ${pct(hits[k], total)}  /${p.source}/`));
  process.stdout.write(`${out.join('\n')}\n\n`);
}
