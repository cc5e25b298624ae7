import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { VerificationService } from '../services/verification-service.js';
import { InProcessScheduler, type WorkflowScheduler } from '../services/workflow-scheduler.js';

declare module 'fastify' {
  interface FastifyInstance {
    verifications: VerificationService;
    scheduler: WorkflowScheduler;
  }
}

export interface ServicePluginOptions {
  config: Config;
  clock?: () => number;
}

export default fp<ServicePluginOptions>(
  async function servicePlugin(app: FastifyInstance, opts) {
    const log = app.log.child({ component: 'verifications' });
    const scheduler: WorkflowScheduler = new InProcessScheduler((err) => log.error({ err }, 'auto workflow step failed'));
    const service = new VerificationService({
      config: opts.config,
      store: app.store,
      providers: app.providers,
      scheduler,
      log,
      metrics: app.metrics,
      clock: opts.clock,
    });
    await scheduler.start((id, step) => service.advance(id, undefined, step).then(() => undefined));
    app.decorate('scheduler', scheduler);
    app.decorate('verifications', service);
    app.addHook('onClose', async () => scheduler.close());
  },
  { name: 'service', dependencies: ['store', 'providers', 'metrics'] },
);
