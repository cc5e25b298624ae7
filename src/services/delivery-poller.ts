import type { ChannelProvider, Providers } from '../channels/types.js';
import type { VerificationStore } from '../store/types.js';
import { pollSet } from './delivery.js';
import type { VerificationService } from './verification-service.js';

// Status polling: the fallback for delivery reports that never came. Messages still without a
// final status after `minAgeMs` are asked about in batches, until a final status or the
// provider's horizon (SMS Traffic keeps statuses about two days). Rounds are run by a
// PollScheduler (poll-scheduler.ts: one instance per round), never on a request's path.

type Pollable = ChannelProvider & Required<Pick<ChannelProvider, 'pollStatus'>>;

/** One per provider name that can be polled (uCaller serves two channels; lists nest). */
export function pollingProviders(providers: Providers): Pollable[] {
  const byName = new Map<string, Pollable>();
  const visit = (p: ChannelProvider | undefined) => {
    if (!p) return;
    p.members?.forEach(visit);
    if (p.pollStatus && !p.members && !byName.has(p.name)) byName.set(p.name, p as Pollable);
  };
  Object.values(providers).forEach(visit);
  return [...byName.values()];
}

export interface DeliveryPollerOptions {
  provider: Pollable;
  store: VerificationStore;
  service: VerificationService;
  /** Give the delivery report this long before asking. */
  minAgeMs: number;
  /** Stop asking about a message this old. */
  horizonMs: number;
  /** References per poll round. */
  batch: number;
  clock?: () => number;
}

export class DeliveryPoller {
  private readonly now: () => number;

  constructor(private readonly o: DeliveryPollerOptions) {
    this.now = o.clock ?? Date.now;
  }

  get providerName() {
    return this.o.provider.name;
  }

  /** One round: returns how many statuses were applied. */
  async pollOnce(): Promise<number> {
    const now = this.now();
    const name = pollSet(this.o.provider.name);

    const due = await this.o.store.trackDue(name, now - this.o.minAgeMs, this.o.batch);
    const expired = due.filter((d) => d.at < now - this.o.horizonMs).map((d) => d.member);
    await this.o.store.trackRemove(name, expired);
    const refs = due.map((d) => d.member).filter((m) => !expired.includes(m));
    if (refs.length === 0) return 0;

    const statuses = await this.o.provider.pollStatus(refs);
    let applied = 0;
    const gone: string[] = [];
    for (const s of statuses) {
      if (s.gone) gone.push(s.ref);
      else if (s.status) {
        await this.o.service.applyDeliveryStatus(this.o.provider.name, s.ref, s.status);
        applied++;
      }
    }
    await this.o.store.trackRemove(name, gone);
    return applied;
  }
}
