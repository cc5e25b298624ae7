import type { FastifyBaseLogger } from 'fastify';
import { request, type Dispatcher } from 'undici';
import type { Signer } from './signer.js';

// One delivery attempt: POST the signed body, wait at most timeoutMs for the whole answer,
// read at most a few KB of it (it is never logged or kept), and say whether it was a 2xx.

/** An event as queued, retried and kept as failed; `body` is the exact JSON that is signed. */
export interface WebhookMessage {
  id: string;
  type: string;
  clientId: string;
  verificationId: string;
  /** ISO time of the event. */
  timestamp: string;
  body: string;
  /** Delivery attempts made so far (across a manual retry too). */
  attempts: number;
  lastStatus: number | null;
  lastAttemptAt: string | null;
}

export interface AttemptOutcome {
  ok: boolean;
  /** HTTP status, or null when no answer came (refused, timeout, blocked address). */
  status: number | null;
  seconds: number;
}

export interface SenderOptions {
  signer: Signer;
  dispatcher: Dispatcher;
  endpointFor: (clientId: string) => string | undefined;
  log: Pick<FastifyBaseLogger, 'warn'>;
  timeoutMs?: number;
  maxBodyBytes?: number;
  now?: () => number;
}

export class Sender {
  constructor(private readonly o: SenderOptions) {}

  async send(msg: WebhookMessage): Promise<AttemptOutcome> {
    const started = performance.now();
    const url = this.o.endpointFor(msg.clientId);
    let status: number | null = null;
    let reason: string | undefined;
    if (!url) {
      reason = 'no endpoint';
    } else {
      try {
        status = await this.post(url, msg);
      } catch (err) {
        reason = err instanceof Error ? err.name === 'AbortError' || err.name === 'TimeoutError' ? 'timeout' : err.message : 'error';
      }
    }
    const ok = status !== null && status >= 200 && status < 300;
    // The event id and the status only: never the body (it carries the phone number).
    if (!ok) this.o.log.warn({ eventId: msg.id, type: msg.type, status, reason }, 'webhook delivery failed');
    return { ok, status, seconds: (performance.now() - started) / 1000 };
  }

  private async post(url: string, msg: WebhookMessage): Promise<number> {
    const now = this.o.now ?? Date.now;
    const res = await request(url, {
      method: 'POST',
      dispatcher: this.o.dispatcher,
      headers: { 'content-type': 'application/json', 'user-agent': 'otpgate-webhooks', ...this.o.signer.headers(msg.id, msg.body, new Date(now())) },
      body: msg.body,
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
    });
    await drain(res.body, this.o.maxBodyBytes ?? 4096);
    return res.statusCode;
  }
}

/** Reads at most `max` bytes of an answer, then drops the connection's rest. */
async function drain(body: Dispatcher.ResponseData['body'], max: number) {
  let read = 0;
  try {
    for await (const chunk of body) {
      read += (chunk as Buffer).length;
      if (read > max) break;
    }
  } finally {
    if (read > max) body.destroy();
  }
}
