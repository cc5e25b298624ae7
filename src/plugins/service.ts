import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AbuseGuard } from '../services/abuse-guard.js';
import { BullMqScheduler, createBullMqConnection } from '../services/bullmq-scheduler.js';
import { CallbackRobot } from '../services/callback-robot.js';
import { DeliveryPoller } from '../services/delivery-poller.js';
import { VerificationService } from '../services/verification-service.js';
import { InProcessScheduler, type WorkflowScheduler } from '../services/workflow-scheduler.js';

declare module 'fastify' {
  interface FastifyInstance {
    verifications: VerificationService;
    callbackRobot: CallbackRobot;
    scheduler: WorkflowScheduler;
    pollers: DeliveryPoller[];
  }
}

export interface ServicePluginOptions {
  config: Config;
  clock?: () => number;
  keyPrefix?: string;
}

export default fp<ServicePluginOptions>(
  async function servicePlugin(app: FastifyInstance, opts) {
    const log = app.log.child({ component: 'verifications' });
    // Redis: BullMQ delayed jobs (survive restarts, run once across instances). Embedded:
    // in-process timers, as volatile as the store itself.
    const scheduler: WorkflowScheduler =
      app.store.kind === 'redis'
        ? new BullMqScheduler({
            connection: (role) => createBullMqConnection(opts.config, role),
            steps: opts.config.AUTO_WORKFLOW.length,
            prefix: `${opts.keyPrefix ?? 'otp:'}{bull}`,
            log,
          })
        : new InProcessScheduler((err) => log.error({ err }, 'auto workflow step failed'));
    const service = new VerificationService({
      config: opts.config,
      store: app.store,
      providers: app.providers,
      scheduler,
      log,
      metrics: app.metrics,
      guard: new AbuseGuard({ config: opts.config, store: app.store, metrics: app.metrics, log: app.log.child({ component: 'abuse-guard' }) }),
      clock: opts.clock,
    });
    await scheduler.start((id, step) => service.advance(id, undefined, step).then(() => undefined));

    const pollers = Object.values(app.providers)
      .filter((p): p is typeof p & Required<Pick<typeof p, 'pollStatus'>> => !!p.pollStatus)
      .map(
        (provider) =>
          new DeliveryPoller({
            provider,
            store: app.store,
            service,
            log,
            intervalMs: opts.config.STATUS_POLL_INTERVAL_SECONDS * 1000,
            minAgeMs: opts.config.STATUS_POLL_AFTER_SECONDS * 1000,
            horizonMs: 2 * 24 * 3600 * 1000,
            batch: 150,
            clock: opts.clock,
          }),
      );
    app.addHook('onReady', async () => pollers.forEach((p) => p.start()));

    app.decorate('scheduler', scheduler);
    app.decorate('verifications', service);
    app.decorate('callbackRobot', new CallbackRobot(opts.config, app.store, opts.clock));
    app.decorate('pollers', pollers);
    app.addHook('onClose', async () => {
      pollers.forEach((p) => p.stop());
      await scheduler.close();
    });
  },
  { name: 'service', dependencies: ['store', 'providers', 'metrics'] },
);
