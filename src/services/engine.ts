import type { FastifyBaseLogger } from 'fastify';
import type { ChannelProvider, Providers } from '../channels/types.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { DeliveryChannel, VerificationStatus } from '../model.js';
import type { StoredVerification, VerificationStore } from '../store/types.js';
import type { SendGuard } from './abuse-guard.js';
import { fanOut, type VerificationEvent, type VerificationObserver } from './events.js';
import type { Metrics } from './metrics.js';
import type { WorkflowScheduler } from './workflow-scheduler.js';

// What the engine's parts (use cases, delivery, auto workflow) share: their dependencies, the
// event emitter and the provider lookup.

export interface EngineDeps {
  config: Config;
  store: VerificationStore;
  providers: Providers;
  scheduler: WorkflowScheduler;
  /** For work outside a request (timers, reports); requests pass their own logger. */
  log: FastifyBaseLogger;
  metrics: Metrics;
  guard: SendGuard;
  now: () => number;
  events: Emitter;
}

type Extra = Pick<VerificationEvent, 'attemptIndex' | 'from' | 'reason'>;

const END_EVENTS: Partial<Record<VerificationStatus, VerificationEvent['type']>> = {
  approved: 'verification.approved',
  canceled: 'verification.canceled',
  expired: 'verification.expired',
  max_attempts_reached: 'verification.max_attempts_reached',
  failed: 'verification.failed',
};

/** Emits domain events once the store has confirmed a transition. */
export class Emitter {
  private readonly out: VerificationObserver;

  /** `observers` is read live: observers registered later receive later events. */
  constructor(observers: VerificationObserver[], log: Pick<FastifyBaseLogger, 'error'>) {
    this.out = fanOut(observers, (err) => log.error({ err }, 'a verification observer threw'));
  }

  emit(type: VerificationEvent['type'], s: StoredVerification, at: number, extra: Extra = {}) {
    this.out.onEvent({ type, record: s.record, metadata: s.metadata, at, ...extra });
  }

  /** The event of the status a verification ended with. */
  ended(s: StoredVerification, at: number) {
    const type = END_EVENTS[s.record.status];
    if (type) this.emit(type, s, at);
  }
}

export function providerFor(providers: Providers, channel: DeliveryChannel): ChannelProvider {
  const p = providers[channel];
  if (!p) throw new AppError('channel_not_available', `The ${channel} channel is not available`);
  return p;
}

/** Best effort: a timer left behind finds the verification ended and does nothing. */
export async function cancelTimers(deps: Pick<EngineDeps, 'scheduler'>, id: string, log: FastifyBaseLogger) {
  await deps.scheduler.cancel(id).catch((err) => {
    log.warn({ err, verificationId: id }, 'could not remove the workflow timers');
  });
}
