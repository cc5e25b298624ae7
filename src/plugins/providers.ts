import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ConsoleProvider } from '../channels/console.js';
import { HttpClient } from '../channels/http.js';
import { smsTrafficFromConfig } from '../channels/smstraffic.js';
import { twilioVoiceFromConfig } from '../channels/twilio.js';
import { ucallerFlashCallFromConfig, ucallerVoiceFromConfig } from '../channels/ucaller.js';
import type { ChannelProvider, Providers } from '../channels/types.js';
import type { Config } from '../config.js';

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
    const sms: ChannelProvider =
      config.SMS_PROVIDER === 'smstraffic' ? smsTrafficFromConfig(config, http, log) : new ConsoleProvider('sms', log);
    const flash: ChannelProvider =
      config.FLASH_CALL_PROVIDER === 'ucaller'
        ? ucallerFlashCallFromConfig(config, http, log)
        : new ConsoleProvider('flash_call', log);
    const voice: ChannelProvider =
      config.VOICE_PROVIDER === 'ucaller'
        ? ucallerVoiceFromConfig(config, http, log)
        : config.VOICE_PROVIDER === 'twilio'
          ? twilioVoiceFromConfig(config, http, log)
          : new ConsoleProvider('voice', log);
    const providers: Providers = { sms, flash_call: flash, voice, ...opts.providers };
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
  { name: 'providers' },
);
