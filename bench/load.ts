import { createRequire } from 'node:module';

// autocannon, typed for what the bench uses of it (it ships no type declarations).

export interface CannonRequest {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
}

interface CannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  headers?: Record<string, string>;
  requests?: Array<
    CannonRequest & {
      setupRequest?: (req: CannonRequest) => CannonRequest;
      onResponse?: (status: number, body: string) => void;
    }
  >;
}

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}

interface CannonResult {
  requests: Histogram & { total: number };
  latency: Histogram;
  errors: number;
  timeouts: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
}

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as (opts: CannonOptions) => Promise<CannonResult>;

export interface Measured {
  reqPerSec: number;
  p50: number;
  p99: number;
  total: number;
  /** Answers by status code, and `errors` for connection errors and timeouts. */
  statuses: Record<string, number>;
}

export interface Load {
  url: string;
  connections: number;
  /** Seconds; or `amount` requests instead. */
  duration?: number;
  amount?: number;
  headers?: Record<string, string>;
  method: string;
  path: string;
  /** A fresh request per call (a new number, the next id). */
  next?: () => Partial<CannonRequest>;
  onResponse?: (status: number, body: string) => void;
}

export async function drive(load: Load): Promise<Measured> {
  const { next } = load;
  const r = await autocannon({
    url: load.url,
    connections: load.connections,
    ...(load.amount ? { amount: load.amount } : { duration: load.duration ?? 10 }),
    headers: load.headers,
    requests: [
      {
        method: load.method,
        path: load.path,
        ...(next ? { setupRequest: (req: CannonRequest) => ({ ...req, ...next() }) } : {}),
        ...(load.onResponse ? { onResponse: load.onResponse } : {}),
      },
    ],
  });
  const statuses: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats)) statuses[code] = count;
  if (r.errors + r.timeouts > 0) statuses.errors = r.errors + r.timeouts;
  // requests.average is per second over whole seconds; total over the measured time is steadier.
  return { reqPerSec: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, statuses };
}
