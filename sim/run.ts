// `npm run simulate`: how much `auto` saves against SMS only, and how many users each strategy
// loses. Starts fake providers, otpgate and Redis of its own, runs simulated users through
// each strategy and prints one markdown table. Not a test: CI runs it only with a tiny N
// (test/sim/simulate.test.ts). See docs/routing-economics.md.
//
//   npm run simulate -- [--n 200] [--seed 1] [--workflow flash_call:3,sms:4,voice] [--help]

import { parseOptions, usage } from './options.js';
import { sendsLine, table } from './report.js';
import { simulate } from './simulate.js';

const o = parseOptions(process.argv.slice(2));
if (o.help) {
  console.log(usage());
  process.exit(0);
}
const log = (s: string) => process.stderr.write(`${s}\n`);
const r = await simulate(o, { keepLogs: o.keepLogs, log });
const p = o.provider;
const u = o.user;
console.log(
  [
    `AUTO_WORKFLOW=${o.workflow}; ${o.n} verifications per strategy; seed ${o.seed}`,
    `providers (fail · delay · price): sms ${p.sms.fail} · ${p.sms.delay} s · ${p.sms.price}, flash call ${p.flash_call.fail} · ${p.flash_call.delay} s · ${p.flash_call.price}, voice ${p.voice.fail} · ${p.voice.delay} s · ${p.voice.price} ${o.currency}`,
    `users (notice · delay): sms ${u.sms.notice} · ${u.sms.read} s, flash call ${u.flash_call.notice} · ${u.flash_call.read} s, voice ${u.voice.notice} · ${u.voice.read} s; typo ${o.typo}, walk away ${o.abandon}, patience ${o.patience} s`,
    '',
    table(r.rows, o.currency),
    '',
    sendsLine(r.rows),
  ].join('\n'),
);
const t = r.totals;
log(
  `sends ${t.sends} (otpgate_sends_total ${t.sendsMetric}), cost ${t.cost.toFixed(2)} (otpgate_spent_total ${t.costMetric.toFixed(2)}), ` +
    `approvals ${t.approvals} (metric ${t.approvalsMetric}); ${r.seconds.toFixed(1)} s`,
);
const problems = [
  Math.abs(t.cost - t.costMetric) > 1e-6 && 'cost differs from otpgate_spent_total',
  t.sends !== t.sendsMetric && 'sends differ from otpgate_sends_total',
  t.approvals !== t.approvalsMetric && 'approvals differ from the metric',
  r.stray && `${r.stray} sends to unknown numbers`,
  r.reportErrors && `${r.reportErrors} delivery reports refused`,
  r.unsettled && `${r.unsettled} verifications still sending when the run stopped`,
].filter(Boolean);
if (problems.length) {
  log(`WARNING: ${problems.join('; ')}`);
  process.exitCode = 1;
}
