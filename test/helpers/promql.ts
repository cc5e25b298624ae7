// What a PromQL expression names: metrics and the labels it selects or groups by. Enough of
// PromQL for the expressions in deploy/ (checked by test/deploy/dashboards.test.ts).

const STRING = /"(?:[^"\\]|\\.)*"/g;
const METRIC = /\b((?:otpgate|process|nodejs)_[A-Za-z0-9_]+)\b/g;
const HISTOGRAM_SERIES = /_(bucket|sum|count)$/;
/** Labels Prometheus adds at scrape time, and the bucket bound of histograms. */
const SCRAPE_LABELS = ['instance', 'job'];

/** Metric names (otpgate_*, process_*, nodejs_*) an expression names outside of strings. */
export function metricsIn(expr: string): string[] {
  return [...new Set([...expr.replace(STRING, '""').matchAll(METRIC)].map((m) => m[1]))];
}

/** Label names of each `metric{...}` selector. */
export function selectorsIn(expr: string): { metric: string; labels: string[] }[] {
  return [...expr.matchAll(/\b([A-Za-z_][\w]*)\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\}/g)].map((m) => ({
    metric: m[1],
    labels: [...m[2].replace(STRING, '""').matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]),
  }));
}

/** Labels named in by/without/on/ignoring/group_left/group_right clauses. */
export function groupingLabelsIn(expr: string): string[] {
  const lists = [...expr.replace(STRING, '""').matchAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)];
  return [...new Set(lists.flatMap((m) => m[1].split(',').map((s) => s.trim()).filter(Boolean)))];
}

/** Labels an expression creates with label_replace. */
export function createdLabelsIn(expr: string): string[] {
  return [...expr.matchAll(/label_replace\(.*?\),\s*"(\w+)"/gs)].map((m) => m[1]);
}

/** The families an exposition declares (`# TYPE name type`) and their label names. */
export interface Exported {
  types: Map<string, string>;
  labels: (family: string) => string[] | undefined;
}

/** The family a series name belongs to: itself, or a histogram/summary for its _bucket/_sum/_count. */
export function familyOf(name: string, exported: Exported): string | undefined {
  if (exported.types.has(name)) return name;
  const m = HISTOGRAM_SERIES.exec(name);
  if (!m) return undefined;
  const base = name.slice(0, -m[0].length);
  const type = exported.types.get(base);
  if (type === 'histogram' || (type === 'summary' && m[1] !== 'bucket')) return base;
  return undefined;
}

/** Everything wrong with one expression against what the app exports; empty when fine. */
export function problemsOf(expr: string, exported: Exported): string[] {
  const problems: string[] = [];
  const known = new Set([...SCRAPE_LABELS, ...createdLabelsIn(expr)]);
  for (const name of metricsIn(expr)) {
    const family = familyOf(name, exported);
    if (!family) {
      problems.push(`${name} is not exported`);
      continue;
    }
    for (const l of exported.labels(family) ?? []) known.add(l);
    if (family !== name && name.endsWith('_bucket')) known.add('le');
  }
  for (const { metric, labels } of selectorsIn(expr)) {
    const family = familyOf(metric, exported);
    if (!family) continue;
    const own = new Set([...SCRAPE_LABELS, ...(exported.labels(family) ?? []), ...(metric.endsWith('_bucket') ? ['le'] : [])]);
    for (const l of labels) if (!own.has(l)) problems.push(`${metric} has no label ${l}`);
  }
  for (const l of groupingLabelsIn(expr)) if (!known.has(l)) problems.push(`no metric of the expression has the label ${l}`);
  return problems;
}
