import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNetwork } from './network.js';
import type { SimOptions, Strategy } from './options.js';
import { summarize, type Row } from './report.js';
import { plan, startService, total, type Sample, type Service } from './service.js';
import { User, type Outcome } from './user.js';

// A run: fake providers, a fresh otpgate on a fresh Redis, then N users per strategy with the
// strategies side by side (one shared service, as in production). Cost is counted from the
// sends the fake providers accepted for each strategy's numbers × the prices; the totals are
// checked against the service's own otpgate_sends_total and otpgate_spent_total.

export interface SimResult {
  rows: Row[];
  /** Totals over all strategies: what the fakes accepted and what the service counted. */
  totals: { sends: number; sendsMetric: number; cost: number; costMetric: number; approvals: number; approvalsMetric: number };
  /** Sends to unknown numbers and reports the service refused (both should be 0). */
  stray: number;
  reportErrors: number;
  /** Verifications still pending with sends to come when the run stopped waiting. */
  unsettled: number;
  seconds: number;
  /** The service's /metrics at the end. */
  metrics: Sample[];
}

/** E.164 numbers: +7 916, the strategy's digit, six digits of index. */
const phoneOf = (strategyIndex: number, i: number) => `+7916${strategyIndex}${String(i).padStart(6, '0')}`;

export async function simulate(o: SimOptions, opts: { keepLogs?: boolean; log?: (s: string) => void } = {}): Promise<SimResult> {
  const log = opts.log ?? (() => {});
  const t0 = performance.now();
  const logDir = mkdtempSync(join(tmpdir(), 'otpgate-sim-'));
  const users = new Map<Strategy, User[]>(
    o.strategies.map((s, si) => [s, Array.from({ length: o.n }, (_, i) => new User(s, phoneOf(si, i), i, o))]),
  );
  const phones = new Map([...users.values()].flat().map((u) => [u.phone.slice(1), u]));
  const where = await plan();
  const net = await startNetwork(o, phones, where.smsReportUrl);
  let svc: Service | undefined;
  try {
    svc = await startService(o, where, net.env, logDir);
    log(`otpgate up at ${svc.url} (logs in ${logDir}); ${o.n} verifications per strategy, ${o.concurrency} at a time each`);
    const outcomes = await Promise.all(o.strategies.map((s) => pool(users.get(s)!, o.concurrency, (u) => u.run(svc!))));
    const unsettled = await settle(svc, o, outcomes.flat());
    await new Promise((r) => setTimeout(r, 100)); // the fakes' last accepted sends reach the handsets
    const samples = await svc.metrics();
    const rows = o.strategies.map((s, i) => summarize(o, s, outcomes[i], users.get(s)!.map((u) => u.sends)));
    return {
      rows,
      totals: {
        sends: rows.reduce((n, r) => n + r.sends, 0),
        sendsMetric: total(samples, 'otpgate_sends_total', { result: 'ok' }),
        cost: rows.reduce((n, r) => n + r.cost, 0),
        costMetric: total(samples, 'otpgate_spent_total'),
        approvals: rows.reduce((n, r) => n + r.approved, 0),
        approvalsMetric: total(samples, 'otpgate_verifications_approved_total'),
      },
      stray: net.stray,
      reportErrors: net.reportErrors,
      unsettled,
      metrics: samples,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await svc?.stop();
    await net.close();
    if (!opts.keepLogs) rmSync(logDir, { recursive: true, force: true });
  }
}

/** Runs `work` over `items`, `size` at a time; results in the items' order. */
async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

/**
 * Users who left do not stop the service: an unapproved `auto` verification goes on through its
 * steps, and those sends are paid. Waits until every unapproved verification has ended or made
 * all its sends; returns how many had not when the wait ran out.
 */
async function settle(svc: Service, o: SimOptions, outcomes: Outcome[]): Promise<number> {
  const steps = o.workflow.split(',').filter((s) => s.trim()).length;
  const waitS = o.workflow.split(',').reduce((sum, s) => sum + Number(s.split(':')[1] ?? 0), 0);
  let open = outcomes.filter((x) => x.id && x.end !== 'approved');
  const deadline = performance.now() + (waitS + 30) * 1000;
  while (open.length && performance.now() < deadline) {
    const still: Outcome[] = [];
    for (let i = 0; i < open.length; i += 50) {
      const batch = open.slice(i, i + 50);
      const views = await Promise.all(
        batch.map(async (x) => (await (await fetch(`${svc.url}/v1/verifications/${x.id}`, { headers: svc.headers })).json()) as { status: string; attempts?: unknown[] }),
      );
      batch.forEach((x, j) => {
        const planned = x.strategy === 'auto' ? steps : 1;
        if (views[j].status === 'pending' && (views[j].attempts?.length ?? 0) < planned) still.push(x);
      });
    }
    open = still;
    if (open.length) await new Promise((r) => setTimeout(r, 500));
  }
  return open.length;
}
