import type { Config } from '../config.js';
import { ERROR_CODES } from '../errors.js';
import { CHANNELS, REQUEST_CHANNELS, type DeliveryChannel } from '../model.js';
import { WEBHOOK_EVENT_TYPES, type VerificationObserver } from '../services/events.js';
import type { Metrics } from '../services/metrics.js';
import { DELIVERY_OUTCOMES } from '../webhooks/attempts.js';
import { priceOf } from './settings.js';

// Business metrics from the engine's events (src/services/events.ts): the engine and the
// guard carry no counting calls; what happened to a verification is read from its events.
// Test numbers are left out: they are nobody's conversion.

const CHECK_RESULTS = ['approved', 'wrong', 'max_attempts'] as const;
const AUTO_REASONS = ['timeout', 'failed', 'undelivered'] as const;

export function businessMetricsObserver(m: Metrics): VerificationObserver {
  return {
    onEvent(e) {
      const r = e.record;
      if (r.testNumber) return;
      switch (e.type) {
        case 'verification.started':
          m.started.inc({ channel: r.requestedChannel });
          break;
        case 'verification.approved':
          m.checks.inc({ channel: r.channel, result: 'approved' });
          m.approved.inc({ requested_channel: r.requestedChannel, channel: r.channel });
          m.timeToApproval.observe({ channel: r.channel }, Math.max(e.at - r.createdAt, 0) / 1000);
          break;
        case 'check.wrong':
          m.checks.inc({ channel: r.channel, result: r.status === 'max_attempts_reached' ? 'max_attempts' : 'wrong' });
          break;
        case 'verification.channel_changed':
          // A resend to another channel has no reason: only the workflow's own moves count. The
          // new step is the last attempt (record.channel changes only once its code is handed over).
          if (e.reason && e.from && r.requestedChannel === 'auto') {
            m.autoTransitions.inc({ from: e.from, to: r.attempts[r.attempts.length - 1].channel, reason: e.reason });
          }
          break;
      }
    },
  };
}

/** The providers a channel's setting names (one, or a failover list), without `none`. */
export function configuredProviders(config: Config, channel: DeliveryChannel): string[] {
  const setting = { sms: config.SMS_PROVIDER, flash_call: config.FLASH_CALL_PROVIDER, voice: config.VOICE_PROVIDER }[channel] as unknown;
  const names = Array.isArray(setting) ? setting.map(String) : String(setting ?? '').split(',');
  return names.map((n) => n.trim()).filter((n) => n && n !== 'none');
}

/** Every known label set at zero, so dashboards show 0 rather than "no data". */
export function initialiseLabels(m: Metrics, config: Config, providerNames: Partial<Record<DeliveryChannel, string[]>>) {
  const currency = config.PRICE_CURRENCY;
  for (const channel of REQUEST_CHANNELS) m.started.inc({ channel }, 0);
  for (const channel of CHANNELS) {
    for (const result of CHECK_RESULTS) m.checks.inc({ channel, result }, 0);
    for (const requested of [channel, 'auto']) m.approved.inc({ requested_channel: requested, channel }, 0);
    m.timeToApproval.zero({ channel });
    const names = new Set([...configuredProviders(config, channel), ...(providerNames[channel] ?? []), ...Object.keys(config.prices[channel] ?? {})]);
    for (const provider of names) {
      m.spent.inc({ channel, provider, currency }, 0);
      m.sends.inc({ channel, provider, result: 'ok' }, 0);
      m.providerSends.inc({ channel, provider, outcome: 'ok' }, 0);
      m.providerDuration.zero({ channel, provider, outcome: 'ok' });
    }
  }
  const wf = config.AUTO_WORKFLOW;
  for (let i = 0; i + 1 < wf.length; i++) {
    for (const reason of AUTO_REASONS) m.autoTransitions.inc({ from: wf[i].channel, to: wf[i + 1].channel, reason }, 0);
  }
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    if (status >= 400 && status < 500) m.refusals.inc({ reason: code }, 0);
    else if (status >= 500) m.errors.inc({ code }, 0);
  }
  for (const client of ['store', 'bullmq']) m.redisErrors.inc({ client }, 0);
  for (const type of WEBHOOK_EVENT_TYPES) {
    m.webhookEvents.inc({ type }, 0);
    for (const outcome of Object.values(DELIVERY_OUTCOMES)) m.webhookDeliveries.inc({ type, outcome }, 0);
  }
}

/** Counts the price of one accepted send. */
export function countSpend(m: Metrics, config: Config, channel: DeliveryChannel, provider: string) {
  const price = priceOf(config.prices, channel, provider);
  m.spent.inc({ channel, provider, currency: config.PRICE_CURRENCY }, price);
}
