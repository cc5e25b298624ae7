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
    try {
      const result = await p.send(req);
      metrics.providerSends.inc({ ...labels, outcome: 'ok' });
      return result;
    } catch (err) {
      metrics.providerSends.inc({ ...labels, outcome: publicProviderError(err).code });
      throw err;
    } finally {
      end();
    }
  };
  return wrapped;
}
