import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AbuseGuard } from '../services/abuse-guard.js';
import { BullMqScheduler, createBullMqConnection, DEFAULT_BULLMQ_PREFIX, type ConnectionRole } from '../services/bullmq-scheduler.js';
import { CallbackRobot } from '../services/callback-robot.js';
import { DeliveryPoller, pollingProviders } from '../services/delivery-poller.js';
import { BullMqPollScheduler, InProcessPollScheduler, type PollScheduler } from '../services/poll-scheduler.js';
import { Emitter, type EngineDeps } from '../services/engine.js';
import type { VerificationObserver } from '../services/events.js';
import { VerificationService } from '../services/verification-service.js';
import { InProcessScheduler, type WorkflowScheduler } from '../services/workflow-scheduler.js';

declare module 'fastify' {
  interface FastifyInstance {
    verifications: VerificationService;
    callbackRobot: CallbackRobot;
    scheduler: WorkflowScheduler;
    pollers: DeliveryPoller[];
    /** Observers of verification events (webhooks, metrics): push to register. */
    verificationObservers: VerificationObserver[];
  }
}

export interface ServicePluginOptions {
  config: Config;
  clock?: () => number;
  keyPrefix?: string;
}

export default fp<ServicePluginOptions>(
  async function servicePlugin(app: FastifyInstance, opts) {
    const { config } = opts;
    const log = app.log.child({ component: 'verifications' });
    const observers: VerificationObserver[] = [];
    app.decorate('verificationObservers', observers);
    // Redis: BullMQ delayed jobs (survive restarts, run once across instances). Embedded:
    // in-process timers, as volatile as the store itself.
    const bull = {
      connection: (role: ConnectionRole) => createBullMqConnection(config, role),
      prefix: opts.keyPrefix ? `${opts.keyPrefix}{bull}` : DEFAULT_BULLMQ_PREFIX,
      log,
      redisErrors: (err: unknown, source: string) => app.redisErrors.report('bullmq', err, source),
    };
    const redis = app.store.kind === 'redis';
    const scheduler: WorkflowScheduler = redis
      ? new BullMqScheduler({ ...bull, steps: config.AUTO_WORKFLOW.length })
      : new InProcessScheduler((err) => log.error({ err }, 'auto workflow step failed'));
    const pollIntervalMs = config.STATUS_POLL_INTERVAL_SECONDS * 1000;
    const polling: PollScheduler = redis ? new BullMqPollScheduler({ ...bull, intervalMs: pollIntervalMs }) : new InProcessPollScheduler(pollIntervalMs, log);
    const events = new Emitter(observers, log);
    const deps: EngineDeps = {
      config,
      store: app.store,
      providers: app.providers,
      scheduler,
      log,
      metrics: app.metrics,
      guard: new AbuseGuard({ config, store: app.store, log: app.log.child({ component: 'abuse-guard' }) }),
      now: opts.clock ?? Date.now,
      events,
    };
    const service = new VerificationService(deps);
    await scheduler.start((id, step) => service.stepTimedOut(id, step));

    const pollers = pollingProviders(app.providers).map(
      (provider) =>
        new DeliveryPoller({
          provider,
          store: app.store,
          service,
          // Without a push there is nothing to wait for: ask from the first round.
          minAgeMs: provider.pollsWithoutPush ? 0 : config.STATUS_POLL_AFTER_SECONDS * 1000,
          // A call's status is settled within a minute (uCaller); SMS statuses live ~2 days.
          horizonMs: provider.pollsWithoutPush ? 15 * 60 * 1000 : 2 * 24 * 3600 * 1000,
          batch: 150,
          clock: opts.clock,
        }),
    );
    app.addHook('onReady', async () => polling.start(pollers));

    app.decorate('scheduler', scheduler);
    app.decorate('verifications', service);
    app.decorate('callbackRobot', new CallbackRobot(config, app.store, events, opts.clock));
    app.decorate('pollers', pollers);
    app.addHook('onClose', async () => {
      await polling.close();
      await scheduler.close();
    });
  },
  { name: 'service', dependencies: ['store', 'providers', 'metrics'] },
);
