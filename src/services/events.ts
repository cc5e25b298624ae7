import type { VerificationRecord } from '../store/types.js';

// Domain events of a verification, emitted by the engine after the store confirmed the
// transition. Observers (webhooks, metrics) must not throw and must not block the request:
// they queue their own work.

export const WEBHOOK_EVENT_TYPES = [
  'verification.started',
  'verification.approved',
  'verification.canceled',
  'verification.expired',
  'verification.max_attempts_reached',
  'verification.failed',
  'verification.channel_changed',
  'attempt.sent',
  'attempt.delivered',
  'attempt.undelivered',
  'attempt.failed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Internal events that are not sent as webhooks (metrics only). */
export type InternalEventType = 'check.wrong';

export interface VerificationEvent {
  type: WebhookEventType | InternalEventType;
  /** The verification after the transition (no code material is ever read from it). */
  record: VerificationRecord;
  metadata: Record<string, unknown>;
  /** Epoch ms of the transition. */
  at: number;
  /** attempt.*: index into record.attempts. */
  attemptIndex?: number;
  /** verification.channel_changed: the step left and why. */
  from?: string;
  reason?: 'timeout' | 'failed' | 'undelivered' | 'refused';
}

export interface VerificationObserver {
  onEvent(event: VerificationEvent): void;
}

/** Fans one event out to every observer; a throwing observer never breaks the engine. */
export function fanOut(observers: VerificationObserver[], onError: (err: unknown) => void): VerificationObserver {
  return {
    onEvent(event) {
      for (const o of observers) {
        try {
          o.onEvent(event);
        } catch (err) {
          onError(err);
        }
      }
    },
  };
}
