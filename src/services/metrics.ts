import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
      help: 'Code checks, by channel of the code and result (approved, wrong, max_attempts)',
      labelNames: ['channel', 'result'] as const,
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
      help: 'Requests refused (every 4xx problem answer), by its problem code',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    ...opsMetrics(registry),
    ...webhookMetrics(registry),
    ...edgeMetrics(registry),
    ...providerMetrics(registry),
  };
}

// ---- operations and business metrics (issue 13) ----------------------------------------
// Fed by the business-metrics observer (src/ops/business-metrics.ts), the HTTP hooks of
// plugins/metrics.ts and delivery (spend). Label sets are initialised at zero at start-up.

/** Time buckets for a human reading and typing a code (seconds). */
const HUMAN_BUCKETS = [2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function opsMetrics(registry: Registry) {
  const registers = [registry];
  return {
    approved: new Counter({
      name: 'otpgate_verifications_approved_total',
      help: 'Verifications approved, by requested channel and channel of the approved code',
      labelNames: ['requested_channel', 'channel'] as const,
      registers,
    }),
    autoTransitions: new Counter({
      name: 'otpgate_auto_transitions_total',
      help: 'auto workflow steps moved on, by channel left, channel entered and reason (timeout, failed, undelivered)',
      labelNames: ['from', 'to', 'reason'] as const,
      registers,
    }),
    spent: new Counter({
      name: 'otpgate_spent_total',
      help: 'Money spent on accepted sends (PRICE_<CHANNEL>_<PROVIDER>), by channel and provider',
      labelNames: ['channel', 'provider', 'currency'] as const,
      registers,
    }),
    timeToApproval: new Histogram({
      name: 'otpgate_time_to_approval_seconds',
      help: 'Time from start to approval, by channel of the approved code',
      labelNames: ['channel'] as const,
      buckets: HUMAN_BUCKETS,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'otpgate_http_request_duration_seconds',
      help: 'HTTP request duration, by route pattern, method and status class (2xx, 4xx, ...)',
      labelNames: ['route', 'method', 'status_class'] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
    errors: new Counter({
      name: 'otpgate_errors_total',
      help: 'Requests answered with a 5xx problem, by its problem code',
      labelNames: ['code'] as const,
      registers,
    }),
    redisErrors: new Counter({
      name: 'otpgate_redis_errors_total',
      help: 'Redis connection errors seen by a client (store, BullMQ), by client',
      labelNames: ['client'] as const,
      registers,
    }),
    storeUp: new Gauge({
      name: 'otpgate_store_up',
      help: '1 when the store answered a ping at scrape time, else 0',
      registers,
    }),
    buildInfo: new Gauge({
      name: 'otpgate_build_info',
      help: 'Always 1; the labels say which build runs',
      labelNames: ['version', 'node'] as const,
      registers,
    }),
  };
}

// ---- the HTTP edge (issue 9) -------------------------------------------------------------

function edgeMetrics(registry: Registry) {
  return {
    authFailures: new Counter({
      name: 'otpgate_auth_failures_total',
      help: 'Requests with a missing or unknown API key, by result (rejected: 401; throttled: 429, the address used up AUTH_FAILURE_LIMIT)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
}

// -- webhooks (issue 12) -------------------------------------------------------------------
// Fed by src/webhooks/attempts.ts (deliveries) and plugins/webhooks.ts (events queued).

function webhookMetrics(registry: Registry) {
  const registers = [registry];
  return {
    webhookEvents: new Counter({
      name: 'otpgate_webhook_events_total',
      help: 'Webhook events queued for delivery, by type',
      labelNames: ['type'] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: 'otpgate_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by event type and outcome (delivered, retried, dead)',
      labelNames: ['type', 'outcome'] as const,
      registers,
    }),
    webhookDeadLetters: new Counter({
      name: 'otpgate_webhook_dead_letters_total',
      help: 'Webhook events that failed every attempt of the schedule and were kept as failed',
      registers,
    }),
    webhookDeliverySeconds: new Histogram({
      name: 'otpgate_webhook_delivery_seconds',
      help: 'Duration of one webhook delivery attempt',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
// -- end webhooks

// -- providers (issue 10) ------------------------------------------------------------------
// Fed by src/channels/instrumented.ts (every provider request) and failover.ts (lists).

function providerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    providerSends: new Counter({
      name: 'otpgate_provider_sends_total',
      help: 'Sends handed to each provider, by channel, provider and outcome (ok, or the refusal code: provider_error, provider_unavailable, invalid_phone_number, rate_limited, ...)',
      labelNames: ['channel', 'provider', 'outcome'] as const,
      registers,
    }),
    providerDuration: new Histogram({
      name: 'otpgate_provider_request_duration_seconds',
      help: 'Duration of one send request to a provider, by channel, provider and outcome (ok, or the refusal code)',
      labelNames: ['channel', 'provider', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    providerFailovers: new Counter({
      name: 'otpgate_provider_failovers_total',
      help: 'Sends moved on to the next provider of a channel list, by channel, the provider left and the one tried next',
      labelNames: ['channel', 'from', 'to'] as const,
      registers,
    }),
  };
}
// -- end providers

export type Metrics = ReturnType<typeof createMetrics>;
