import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../services/metrics.js';
import { ProviderFailure, publicProviderError } from './provider-errors.js';
import type { ChannelProvider, DeliveryRequest, DeliveryResult } from './types.js';

// An ordered provider list for one channel (SMS_PROVIDER=smstraffic,smsru). The next provider
// is tried at once, in the same request, only when the current one refused for a reason of its
// own or could not be reached before the request was sent (ProviderFailure.tryNext). A refusal
// of the number itself, or a reply that leaves it unclear whether the message was queued, ends
// the list: never a second send of the same code.

/** A failure of the whole list, naming the provider whose answer it is. */
export class ListFailure extends ProviderFailure {
  constructor(
    cause: ProviderFailure,
    readonly provider: string,
  ) {
    super(cause.code, false, cause.retryAfter);
  }
}

export class FailoverProvider implements ChannelProvider {
  readonly channel: ChannelProvider['channel'];
  /** The first provider's name: what an attempt shows until the carrier is known. */
  readonly name: string;
  readonly choosesCode: boolean;
  readonly codeLength?: number;
  readonly forbidsZeroCode: boolean;

  constructor(
    readonly members: readonly ChannelProvider[],
    private readonly log: FastifyBaseLogger,
    private readonly metrics: Pick<Metrics, 'providerFailovers'>,
  ) {
    if (members.length < 2) throw new Error('a provider list needs two providers or more');
    this.channel = members[0].channel;
    this.name = members[0].name;
    // We pass a code unless every provider picks its own; one that picks returns it anyway.
    this.choosesCode = members.every((m) => m.choosesCode);
    // A code must suit each provider it may reach (uCaller: 4 digits, never 0000).
    const lengths = members.map((m) => m.codeLength).filter((l): l is number => l !== undefined);
    if (lengths.length) this.codeLength = Math.min(...lengths);
    this.forbidsZeroCode = members.some((m) => m.forbidsZeroCode);
  }

  async send(req: DeliveryRequest): Promise<DeliveryResult> {
    for (const [i, member] of this.members.entries()) {
      try {
        const result = await member.send(req);
        return { ...result, provider: member.name };
      } catch (err) {
        const failure = publicProviderError(err);
        const next = this.members[i + 1];
        // An error that is no ProviderFailure is a bug in an adapter: its state is unknown.
        if (!(err instanceof ProviderFailure) || !failure.tryNext || !next) throw new ListFailure(failure, member.name);
        this.metrics.providerFailovers.inc({ channel: this.channel, from: member.name, to: next.name });
        this.log.warn(
          { verificationId: req.verificationId, channel: this.channel, from: member.name, to: next.name, code: failure.code },
          'provider refused before queuing; trying the next provider of the list',
        );
      }
    }
    throw new Error('unreachable');
  }

  async close() {
    await Promise.all(this.members.map((m) => m.close?.()));
  }
}
