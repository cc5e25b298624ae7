import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
    // -- webhooks (issue 12)
    webhookEvents: new Counter({
      name: 'otpgate_webhook_events_total',
      help: 'Webhook events queued for delivery, by type',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'otpgate_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by event type and outcome (delivered, retried, dead)',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    webhookDeadLetters: new Counter({
      name: 'otpgate_webhook_dead_letters_total',
      help: 'Webhook events that failed every attempt of the schedule and were kept as failed',
      registers: [registry],
    }),
    webhookDeliverySeconds: new Histogram({
      name: 'otpgate_webhook_delivery_seconds',
      help: 'Duration of one webhook delivery attempt',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    // -- end webhooks
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
