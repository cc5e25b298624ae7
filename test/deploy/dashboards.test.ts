import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeApp } from '../helpers/app.js';
import { metricsIn, problemsOf, type Exported } from '../helpers/promql.js';

// deploy/: the Grafana dashboard and the Prometheus alert rules name only metrics (and labels)
// that a running otpgate exports, and cover what issue 13 asks operators to see.

const read = (name: string) => readFileSync(new URL(`../../deploy/${name}`, import.meta.url), 'utf8');

interface Target { expr: string; refId: string; datasource?: { type: string; uid: string } }
interface Panel { type: string; title: string; datasource?: { type: string; uid: string }; targets?: Target[] }
const dashboard = JSON.parse(read('grafana-dashboard.json')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { type: string; name: string; query: unknown }[] };
};
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');
const dashboardExprs = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${p.title} / ${t.refId}`, expr: t.expr })));

interface Rule { alert?: string; expr?: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const rules = parse(read('prometheus-alerts.yml')) as { groups?: { name?: string; rules?: Rule[] }[] };
const alerts = (rules.groups ?? []).flatMap((g) => g.rules ?? []);

/** What a fresh app (no traffic) declares on GET /metrics, and each family's label names. */
async function exportedByApp(): Promise<Exported> {
  const t = await makeApp({ store: 'embedded', env: { PRICE_SMS_RECORDER: '3.2' } });
  try {
    const res = await t.call({ method: 'GET', url: '/metrics', key: null });
    expect(res.statusCode).toBe(200);
    const types = new Map([...res.body.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
    const registry = t.app.metrics.registry;
    const labels = (family: string) => (registry.getSingleMetric(family) as unknown as { labelNames?: string[] } | undefined)?.labelNames;
    return { types, labels };
  } finally {
    await t.close();
  }
}

describe('deploy/ dashboard and alert rules', () => {
  let exported: Exported;
  beforeAll(async () => {
    exported = await exportedByApp();
  });

  it('the checker itself catches a missing metric, a wrong histogram suffix and a label the metric lacks', () => {
    expect(problemsOf('rate(otpgate_checks_total[5m])', exported)).toEqual([]);
    expect(problemsOf('histogram_quantile(0.9, sum by (le, route) (rate(otpgate_http_request_duration_seconds_bucket[5m])))', exported)).toEqual([]);
    expect(problemsOf('rate(otpgate_no_such_metric_total[5m])', exported)).toEqual(['otpgate_no_such_metric_total is not exported']);
    expect(problemsOf('rate(otpgate_checks_total_count[5m])', exported)).toEqual(['otpgate_checks_total_count is not exported']);
    expect(problemsOf('rate(otpgate_sends_total{outcome="ok"}[5m])', exported)).toEqual(['otpgate_sends_total has no label outcome']);
    expect(problemsOf('sum by (prefix) (rate(otpgate_sends_total[5m]))', exported)).toEqual(['no metric of the expression has the label prefix']);
    expect(problemsOf('nodejs_heap_size_used_bytes + process_not_a_metric', exported)).toEqual(['process_not_a_metric is not exported']);
  });

  it('the dashboard is Grafana JSON whose panels all query the Prometheus datasource variable', () => {
    expect(dashboard.uid).toBeTruthy();
    const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(ds).toMatchObject({ name: 'datasource', query: 'prometheus' });
    expect(queryPanels.length).toBeGreaterThanOrEqual(10);
    for (const p of queryPanels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.expr.trim(), p.title).not.toBe('');
    }
  });

  it('every metric and label the dashboard names is exported', () => {
    const problems = dashboardExprs.flatMap(({ where, expr }) => problemsOf(expr, exported).map((p) => `${where}: ${p}`));
    expect(problems).toEqual([]);
  });

  it('the dashboard shows throughput, latency, conversion, cost, auto, refusals, providers, Redis and webhooks', () => {
    const named = new Set(dashboardExprs.flatMap(({ expr }) => metricsIn(expr)));
    for (const m of [
      'otpgate_verifications_started_total',
      'otpgate_verifications_approved_total',
      'otpgate_checks_total',
      'otpgate_http_request_duration_seconds_bucket',
      'otpgate_spent_total',
      'otpgate_auto_transitions_total',
      'otpgate_refusals_total',
      'otpgate_provider_sends_total',
      'otpgate_provider_request_duration_seconds_bucket',
      'otpgate_redis_errors_total',
      'otpgate_store_up',
      'otpgate_webhook_deliveries_total',
      'otpgate_webhook_dead_letters_total',
    ]) {
      expect(named.has(m), m).toBe(true);
    }
  });

  it('the rule file is groups of alerts with expr, for, a severity and a summary', () => {
    expect(rules.groups?.length).toBeGreaterThan(0);
    for (const g of rules.groups ?? []) {
      expect(g.name).toBeTruthy();
      expect(g.rules?.length, g.name).toBeGreaterThan(0);
    }
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const a of alerts) {
      expect(a.alert, JSON.stringify(a)).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
      expect(typeof a.expr === 'string' && a.expr.trim() !== '', a.alert).toBe(true);
      expect(a.for, a.alert).toMatch(/^\d+[smhd]$/);
      expect(['critical', 'warning', 'info'], a.alert).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
    }
  });

  it('every metric and label the alerts name is exported, and they cover what an operator must be woken for', () => {
    const problems = alerts.flatMap((a) => problemsOf(a.expr ?? '', exported).map((p) => `${a.alert}: ${p}`));
    expect(problems).toEqual([]);
    const named = new Set(alerts.flatMap((a) => metricsIn(a.expr ?? '')));
    for (const m of [
      'otpgate_provider_sends_total',
      'otpgate_verifications_approved_total',
      'otpgate_verifications_started_total',
      'otpgate_store_up',
      'otpgate_webhook_dead_letters_total',
      'otpgate_redis_errors_total',
    ]) {
      expect(named.has(m), m).toBe(true);
    }
  });
});
