import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { CHANNELS } from '../model.js';
import { businessMetricsObserver, initialiseLabels } from '../ops/business-metrics.js';

// Registers the business-metrics observer on the engine's events and zeroes the known labels.
export default fp<{ config: Config }>(
  async function businessMetrics(app: FastifyInstance, { config }) {
    app.verificationObservers.push(businessMetricsObserver(app.metrics));
    const names = Object.fromEntries(CHANNELS.map((c) => [c, app.providers[c] ? [app.providers[c]!.name] : []]));
    initialiseLabels(app.metrics, config, names);
  },
  { name: 'business-metrics', dependencies: ['service', 'metrics', 'providers'] },
);
