import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { DeliveryChannel } from '../model.js';
import type { Metrics } from '../services/metrics.js';
import { ConsoleProvider } from './console.js';
import { FailoverProvider } from './failover.js';
import type { HttpClient } from './http.js';
import { instrumented } from './instrumented.js';
import type { ProviderName } from './provider-settings.js';
import { SmsRuFlashCallProvider, SmsRuSmsProvider, type SmsRuClient, smsRuClientFromConfig } from './smsru.js';
import { smsTrafficFromConfig } from './smstraffic.js';
import { twilioVoiceFromConfig } from './twilio.js';
import type { ChannelProvider, Providers } from './types.js';
import { type UcallerClient, UcallerFlashCallProvider, UcallerVoiceProvider, ucallerClientFromConfig } from './ucaller.js';

// Builds each channel's provider from its setting: nothing for `none` (the channel is off),
// one adapter, or an ordered failover list. Clients shared by two channels are built once.

const SETTING = { sms: 'SMS_PROVIDER', flash_call: 'FLASH_CALL_PROVIDER', voice: 'VOICE_PROVIDER' } as const;

export const providerNames = (config: Config, channel: DeliveryChannel): ProviderName[] => config[SETTING[channel]];

export function buildProviders(config: Config, http: HttpClient, log: FastifyBaseLogger, metrics: Metrics): Providers {
  let ucaller: UcallerClient | undefined;
  let smsru: SmsRuClient | undefined;
  const uc = () => (ucaller ??= ucallerClientFromConfig(config, http, log));
  const sr = () => (smsru ??= smsRuClientFromConfig(config, http, log));

  const adapter = (channel: DeliveryChannel, name: ProviderName): ChannelProvider => {
    if (name === 'console') return new ConsoleProvider(channel, log);
    switch (`${channel}:${name}`) {
      case 'sms:smstraffic':
        return smsTrafficFromConfig(config, http, log);
      case 'sms:smsru':
        return new SmsRuSmsProvider(sr());
      case 'flash_call:ucaller':
        return new UcallerFlashCallProvider(uc());
      case 'flash_call:smsru':
        return new SmsRuFlashCallProvider(sr());
      case 'voice:ucaller':
        return new UcallerVoiceProvider(uc());
      case 'voice:twilio':
        return twilioVoiceFromConfig(config, http, log);
    }
    throw new Error(`${SETTING[channel]}: ${name} does not serve the ${channel} channel`);
  };

  const providers: Providers = {};
  for (const channel of Object.keys(SETTING) as DeliveryChannel[]) {
    const names = providerNames(config, channel);
    if (names.length === 0) continue; // none: the channel is off
    const members = names.map((n) => instrumented(adapter(channel, n), metrics));
    providers[channel] = members.length === 1 ? members[0] : new FailoverProvider(members, log, metrics);
  }
  return providers;
}

/**
 * Whether a user who calls back the number that flash-called them reaches the call-back
 * robot (docs/providers.md): only when that number is a Twilio number pointed at our webhook.
 */
export function callbackRobotReach(names: ProviderName[]): string {
  if (names.length === 0) return 'no flash calls';
  return names
    .map((n) =>
      n === 'ucaller'
        ? 'ucaller: not reachable (calls come from uCaller numbers, which forward nothing to us)'
        : n === 'smsru'
          ? 'smsru: unknown (SMS.ru documents nothing about calls back to its numbers)'
          : 'console: development only',
    )
    .join('; ');
}
