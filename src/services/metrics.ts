import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

// Prometheus metrics, one registry per app instance (tests build many apps in one process).

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    started: new Counter({
      name: 'otpgate_verifications_started_total',
      help: 'Verifications started, by requested channel',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    checks: new Counter({
      name: 'otpgate_checks_total',
      help: 'Code checks, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    sends: new Counter({
      name: 'otpgate_sends_total',
      help: 'Deliveries handed to providers, by channel, provider and result',
      labelNames: ['channel', 'provider', 'result'] as const,
      registers: [registry],
    }),
    deliveryReports: new Counter({
      name: 'otpgate_delivery_reports_total',
      help: 'Delivery statuses received from providers',
      labelNames: ['provider', 'status'] as const,
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'otpgate_refusals_total',
      help: 'Requests refused by abuse protection, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
