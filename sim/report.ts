import { CHANNELS, type Channel, type SimOptions, type Strategy } from './options.js';
import type { Outcome } from './user.js';

// Per strategy: approved share, time to approval (median, p95), sends and cost per approval,
// and through which channel users got in; as a markdown table.

export interface Row {
  strategy: Strategy;
  verifications: number;
  approved: number;
  /** 0..1 */
  approvedShare: number;
  /** Seconds; undefined without approvals. */
  medianS?: number;
  p95S?: number;
  /** Accepted sends (each paid). */
  sends: number;
  sendsBy: Record<Channel, number>;
  cost: number;
  /** Infinity without approvals. */
  sendsPerApproval: number;
  costPerApproval: number;
  via: Record<Channel, number>;
  /** How the rest ended: walked away at once, gave up waiting, verification ended (failed, max attempts). */
  lost: { abandoned: number; gave_up: number; ended: number; start_refused: number };
}

/** Nearest-rank quantile of sorted values. */
export const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] : undefined);

export function summarize(o: SimOptions, strategy: Strategy, outcomes: Outcome[], sends: Channel[][]): Row {
  const times = outcomes.flatMap((x) => (x.end === 'approved' && x.ms !== undefined ? [x.ms / 1000] : [])).sort((a, b) => a - b);
  const approved = times.length;
  const flat = sends.flat();
  const cost = flat.reduce((sum, ch) => sum + o.provider[ch].price, 0);
  const via = Object.fromEntries(CHANNELS.map((c) => [c, outcomes.filter((x) => x.via === c).length])) as Record<Channel, number>;
  const count = (end: Outcome['end']) => outcomes.filter((x) => x.end === end).length;
  return {
    strategy,
    verifications: outcomes.length,
    approved,
    approvedShare: outcomes.length ? approved / outcomes.length : 0,
    medianS: quantile(times, 0.5),
    p95S: quantile(times, 0.95),
    sends: flat.length,
    sendsBy: Object.fromEntries(CHANNELS.map((c) => [c, flat.filter((x) => x === c).length])) as Record<Channel, number>,
    cost,
    sendsPerApproval: approved ? flat.length / approved : Infinity,
    costPerApproval: approved ? cost / approved : Infinity,
    via,
    lost: { abandoned: count('abandoned'), gave_up: count('gave_up'), ended: count('ended'), start_refused: count('start_refused') },
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const secs = (x?: number) => (x === undefined ? '–' : `${x.toFixed(1)} s`);
const ratio = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
const LABEL: Record<Channel, string> = { sms: 'sms', flash_call: 'flash', voice: 'voice' };

export function table(rows: Row[], currency: string): string {
  const head = ['strategy', 'approved', 'median to approval', 'p95 to approval', 'sends / approval', `cost / approval (${currency})`, 'approved via', 'not approved: walked away · gave up · ended'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const via = CHANNELS.filter((c) => r.via[c] > 0).map((c) => `${LABEL[c]} ${Math.round((r.via[c] / Math.max(1, r.approved)) * 100)} %`).join(' · ') || '–';
    const lost = `${r.lost.abandoned} · ${r.lost.gave_up} · ${r.lost.ended + r.lost.start_refused}`;
    lines.push(
      `| ${r.strategy} | ${pct(r.approvedShare)} (${r.approved}/${r.verifications}) | ${secs(r.medianS)} | ${secs(r.p95S)} | ${ratio(r.sendsPerApproval)} | ${ratio(r.costPerApproval)} | ${via} | ${lost} |`,
    );
  }
  return lines.join('\n');
}

/** Accepted sends per channel of each strategy, one line. */
export const sendsLine = (rows: Row[]) =>
  'sends by channel: ' + rows.map((r) => `${r.strategy}: ${CHANNELS.filter((c) => r.sendsBy[c]).map((c) => `${LABEL[c]} ${r.sendsBy[c]}`).join(' · ') || '–'}`).join('; ');
