import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { BullMqScheduler, createBullMqConnection, DEFAULT_BULLMQ_PREFIX } from '../services/bullmq-scheduler.js';
import type { VerificationEvent } from '../services/events.js';
import { InProcessScheduler, type WorkflowScheduler } from '../services/workflow-scheduler.js';
import { safeAgent } from '../webhooks/agent.js';
import { Attempts } from '../webhooks/attempts.js';
import { DEFAULT_KEY_PREFIX } from '../store/redis-client.js';
import { RedisStore } from '../store/redis-store.js';
import { MemoryWebhookQueue } from '../webhooks/memory-queue.js';
import { messageOf } from '../webhooks/message.js';
import type { WebhookQueue } from '../webhooks/queue.js';
import { RedisWebhookQueue } from '../webhooks/redis-queue.js';
import { Sender } from '../webhooks/sender.js';
import { endpointFor } from '../webhooks/settings.js';
import { randomSecret, Signer } from '../webhooks/signer.js';

// Signed, retried event webhooks (docs/events.md): an observer of the engine's events queues
// each one for the client's endpoint; expiry timers make an untouched verification report
// verification.expired on time.

declare module 'fastify' {
  interface FastifyInstance {
    /** Undefined when no endpoint is configured. */
    webhooks: WebhookQueue | undefined;
  }
}

/** Test-only knobs, so the suite does not wait out production timings. */
export interface WebhookTuning {
  /** Per-attempt timeout (10 s). */
  timeoutMs?: number;
  /** ± fraction of each retry delay (0.1). */
  jitter?: number;
  /** How late after expiresAt the expiry timer fires (1 s: room for clock skew between instances). */
  expiryMarginMs?: number;
  /** Redis queue: sweeper period and the age of a list it looks at (30 s, 60 s). */
  sweepMs?: number;
  staleMs?: number;
  /** Redis queue: lock of a running delivery job; a crashed instance's job moves after it (30 s). */
  lockMs?: number;
}

export interface WebhooksPluginOptions {
  config: Config;
  clock?: () => number;
  keyPrefix?: string;
  tuning?: WebhookTuning;
}

/** Events after which a pending verification may have a new expiry. */
const EXPIRY_MOVES = new Set(['verification.started', 'verification.channel_changed', 'attempt.sent']);

export default fp<WebhooksPluginOptions>(
  async function webhooksPlugin(app: FastifyInstance, opts) {
    const { config, tuning = {} } = opts;
    const endpoint = (clientId: string) => endpointFor(config, clientId);
    if (config.WEBHOOKS.length === 0 && !config.WEBHOOK_URL) {
      app.decorate('webhooks', undefined);
      return;
    }
    const log = app.log.child({ component: 'webhooks' });
    let secrets = config.WEBHOOK_SECRETS;
    if (secrets.length === 0) {
      log.warn('WEBHOOK_SECRETS is not set: webhooks are signed with a random secret of this process (development only)');
      secrets = [randomSecret()];
    }
    const dispatcher = safeAgent({ allowPrivate: !config.production || config.WEBHOOK_ALLOW_PRIVATE });
    // Wall-clock times: receivers compare webhook-timestamp with their own clock.
    const sender = new Sender({ signer: new Signer(secrets), dispatcher, endpointFor: endpoint, log, timeoutMs: tuning.timeoutMs });
    const attempts = new Attempts({ sender, schedule: config.WEBHOOK_RETRY_SCHEDULE, metrics: app.metrics, jitter: tuning.jitter });
    // Redis: durable queue and BullMQ timers shared by every instance. Embedded: in-process twins.
    const store = app.store;
    const bullPrefix = opts.keyPrefix ? `${opts.keyPrefix}{bull}` : DEFAULT_BULLMQ_PREFIX;
    const redisErrors = (err: unknown, source: string) => app.redisErrors.report('bullmq', err, source);
    const queue: WebhookQueue =
      store instanceof RedisStore
        ? new RedisWebhookQueue({
            redis: store.client,
            connection: (role) => createBullMqConnection(config, role),
            keyPrefix: opts.keyPrefix ?? DEFAULT_KEY_PREFIX,
            bullPrefix,
            attempts,
            log,
            redisErrors,
            sweepMs: tuning.sweepMs,
            staleMs: tuning.staleMs,
            lockMs: tuning.lockMs,
          })
        : new MemoryWebhookQueue(attempts, (err) => log.error({ err }, 'webhook queue failed'));
    const timers: WorkflowScheduler =
      store instanceof RedisStore
        ? new BullMqScheduler({ connection: (role) => createBullMqConnection(config, role), steps: 0, prefix: bullPrefix, queueName: 'webhook-expiry', log, redisErrors })
        : new InProcessScheduler((err) => log.error({ err }, 'expiry timer failed'));
    const margin = tuning.expiryMarginMs ?? 1000;

    const onEvent = (ev: VerificationEvent) => {
      if (!endpoint(ev.record.clientId)) return;
      const msg = messageOf(ev, config.RESEND_COOLDOWN_SECONDS * 1000);
      if (!msg) return;
      app.metrics.webhookEvents.inc({ type: msg.type });
      queue.enqueue(msg).catch((err) => log.error({ err, eventId: msg.id }, 'could not queue a webhook event'));
      const { status, expiresAt, id } = ev.record;
      if (status === 'pending' && EXPIRY_MOVES.has(ev.type)) {
        // Wall-clock delay: the timer lives outside this process. One timer per distinct expiry.
        timers
          .schedule(id, Math.ceil(expiresAt / 1000), expiresAt - Date.now() + margin)
          .catch((err) => log.warn({ err, verificationId: id }, 'could not set the expiry timer'));
      }
    };
    app.verificationObservers.push({ onEvent });

    await queue.start();
    await timers.start(async (id) => {
      await app.verifications.expireIfDue(id);
    });
    app.decorate('webhooks', queue);
    app.addHook('onClose', async () => {
      await timers.close();
      await queue.close();
      // Running deliveries had their chance in queue.close(): drop what is left.
      await dispatcher.destroy();
    });
  },
  { name: 'webhooks', dependencies: ['store', 'metrics', 'service'] },
);
