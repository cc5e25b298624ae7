import type { Metrics } from '../services/metrics.js';
import type { Sender, WebhookMessage } from './sender.js';

// What both queues (Redis and in-process) do with one attempt: send, count, and decide
// between delivered, another try after a delay, and dead (the schedule is used up).

export type Step = 'delivered' | 'retry' | 'dead';

/** The `outcome` label of otpgate_webhook_deliveries_total, one per step. */
export const DELIVERY_OUTCOMES = { delivered: 'delivered', retry: 'retried', dead: 'dead' } as const satisfies Record<Step, string>;

/** Dead letters are kept this long (docs/events.md). */
export const DEAD_LETTER_TTL_MS = 7 * 24 * 3600 * 1000;

export interface AttemptsOptions {
  sender: Sender;
  /** Delays between attempts: schedule.length retries after the first attempt. */
  schedule: number[];
  metrics: Metrics;
  now?: () => number;
  /** ± fraction of each delay, so receivers that come back are not hit all at once. */
  jitter?: number;
}

export class Attempts {
  constructor(private readonly o: AttemptsOptions) {}

  /** Total attempts an event gets per schedule. */
  get max() {
    return this.o.schedule.length + 1;
  }

  /** Attempt number `made` (0-based within this schedule) of `msg`; updates msg's counters. */
  async attempt(msg: WebhookMessage, made: number): Promise<Step> {
    const out = await this.o.sender.send(msg);
    const m = this.o.metrics;
    msg.attempts += 1;
    msg.lastStatus = out.status;
    msg.lastAttemptAt = new Date((this.o.now ?? Date.now)()).toISOString();
    m.webhookDeliverySeconds.observe(out.seconds);
    const step: Step = out.ok ? 'delivered' : made + 1 < this.max ? 'retry' : 'dead';
    m.webhookDeliveries.inc({ type: msg.type, outcome: DELIVERY_OUTCOMES[step] });
    if (step === 'dead') m.webhookDeadLetters.inc();
    return step;
  }

  /** The wait after failed attempt number `made` (0-based), with jitter. */
  delay(made: number): number {
    const base = this.o.schedule[Math.min(made, this.o.schedule.length - 1)];
    const j = this.o.jitter ?? 0.1;
    return Math.max(0, Math.round(base * (1 - j + 2 * j * Math.random())));
  }
}
