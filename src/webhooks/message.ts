import { randomBytes } from 'node:crypto';
import { WEBHOOK_EVENT_TYPES, type VerificationEvent, type WebhookEventType } from '../services/events.js';
import { toResource } from '../services/resource.js';
import type { WebhookMessage } from './sender.js';

// A domain event as the webhook body of docs/events.md: { type, id, timestamp, data } where
// data is the verification as GET shows it (toResource: no code material).

const isWebhookType = (t: string): t is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(t);

/** Event ids double as webhook-id and as BullMQ job id parts: no ':' and never all digits. */
export const newEventId = () => `evt_${randomBytes(16).toString('base64url')}`;

export function messageOf(ev: VerificationEvent, resendCooldownMs: number): WebhookMessage | undefined {
  if (!isWebhookType(ev.type)) return undefined;
  const id = newEventId();
  const timestamp = new Date(ev.at).toISOString();
  const data = toResource(ev.record, ev.metadata, { now: ev.at, resendCooldownMs });
  return {
    id,
    type: ev.type,
    clientId: ev.record.clientId,
    verificationId: ev.record.id,
    timestamp,
    body: JSON.stringify({ type: ev.type, id, timestamp, data }),
    attempts: 0,
    lastStatus: null,
    lastAttemptAt: null,
  };
}

/** A failed event as GET /v1/webhooks/failed lists it. */
export const failedView = (m: WebhookMessage) => ({
  id: m.id,
  type: m.type,
  verificationId: m.verificationId,
  timestamp: m.timestamp,
  attempts: m.attempts,
  lastStatus: m.lastStatus,
  lastAttemptAt: m.lastAttemptAt,
});
