import type { WebhookMessage } from './sender.js';

// The delivery queue of webhook events: ordered per verification (an event goes out only
// after the one before it was delivered or failed), retried on the schedule, failed events
// kept for DEAD_LETTER_TTL_MS. Redis deployments: redis-queue.ts; embedded store: memory-queue.ts.

export interface WebhookQueue {
  enqueue(msg: WebhookMessage): Promise<void>;
  /** The client's failed events, newest first. */
  failed(clientId: string): Promise<WebhookMessage[]>;
  /** Queues a failed event of the client again (same id); false when there is none. */
  retry(clientId: string, id: string): Promise<boolean>;
  start(): Promise<void>;
  close(): Promise<void>;
}
