import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

// Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature) made by the
// `standardwebhooks` package. With two secrets both signatures go out, space-separated as the
// spec allows, so receivers on the old or the new secret both accept during a rotation.

export class Signer {
  private readonly hooks: Webhook[];

  constructor(secrets: string[]) {
    if (secrets.length === 0) throw new Error('Signer needs at least one secret');
    this.hooks = secrets.map((s) => new Webhook(s));
  }

  /** The three headers for `body`, sent as event `id` at `at`. */
  headers(id: string, body: string, at: Date = new Date()): Record<string, string> {
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': this.hooks.map((h) => h.sign(id, at, body)).join(' '),
    };
  }
}

/** A fresh secret for development when WEBHOOK_SECRETS is unset. */
export const randomSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
