import type { Metrics } from '../services/metrics.js';
import { publicProviderError } from './provider-errors.js';
import type { ChannelProvider, DeliveryRequest, DeliveryResult } from './types.js';

// One provider's sends counted and timed (otpgate_provider_sends_total,
// otpgate_provider_request_duration_seconds), whatever list it sits in.

type ProviderMetrics = Pick<Metrics, 'providerSends' | 'providerDuration'>;

export function instrumented(p: ChannelProvider, metrics: ProviderMetrics): ChannelProvider {
  const labels = { channel: p.channel, provider: p.name };
  const wrapped: ChannelProvider = Object.create(p);
  wrapped.send = async (req: DeliveryRequest): Promise<DeliveryResult> => {
    const end = metrics.providerDuration.startTimer(labels);
    let outcome = 'ok';
    try {
      return await p.send(req);
    } catch (err) {
      outcome = publicProviderError(err).code;
      throw err;
    } finally {
      metrics.providerSends.inc({ ...labels, outcome });
      end({ outcome });
    }
  };
  return wrapped;
}
