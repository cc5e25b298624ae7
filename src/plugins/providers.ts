import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpClient } from '../channels/http.js';
import { buildProviders, callbackRobotReach, providerNames } from '../channels/registry.js';
import type { Providers } from '../channels/types.js';
import { CHANNELS, type Config } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    providers: Providers;
  }
}

export interface ProvidersPluginOptions {
  config: Config;
  /** Replaces a channel's provider (tests). */
  providers?: Partial<Providers>;
}

// Each channel gets the provider its setting names; the core sees only ChannelProvider.
export default fp<ProvidersPluginOptions>(
  async function providersPlugin(app: FastifyInstance, opts) {
    const { config } = opts;
    const http = new HttpClient({
      connectTimeoutMs: config.PROVIDER_CONNECT_TIMEOUT_MS,
      timeoutMs: config.PROVIDER_TIMEOUT_MS,
    });
    const log = app.log.child({ component: 'provider' });
    // Test overrides replace whole channels; the configured ones are built only when used.
    const configured = buildProviders(config, http, log, app.metrics);
    const providers: Providers = { ...configured, ...opts.providers };
    // One line an operator reads at start-up: each channel's providers in order, and whether
    // the call-back robot can be reached with the flash-call providers.
    const lists = Object.fromEntries(CHANNELS.map((c) => [c, providerNames(config, c).join(',') || 'none']));
    app.log.info({ providers: lists, callbackRobot: callbackRobotReach(providerNames(config, 'flash_call')) }, 'channel providers');
    const dev = Object.values(providers).filter((p) => p?.name === 'console').map((p) => p!.channel);
    if (dev.length) {
      app.log.warn({ channels: dev }, 'console providers deliver nothing: codes are written to this log (development only)');
    }
    app.decorate('providers', providers);
    app.addHook('onClose', async () => {
      await Promise.all(Object.values(providers).map((p) => p?.close?.()));
      await http.close();
    });
  },
  { name: 'providers', dependencies: ['metrics'] },
);
