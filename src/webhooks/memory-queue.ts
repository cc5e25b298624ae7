import { Attempts, DEAD_LETTER_TTL_MS } from './attempts.js';
import type { WebhookQueue } from './queue.js';
import type { WebhookMessage } from './sender.js';

// The embedded store's twin of the Redis queue: per-verification lists and timers in this
// process, as volatile as the embedded store itself (a restart loses queued events).

export class MemoryWebhookQueue implements WebhookQueue {
  private readonly lists = new Map<string, WebhookMessage[]>();
  private readonly dead = new Map<string, Map<string, { msg: WebhookMessage; at: number }>>();
  private readonly timers = new Set<{ t: NodeJS.Timeout; wake: () => void }>();
  private closed = false;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly attempts: Attempts,
    private readonly onError: (err: unknown) => void,
  ) {}

  async start() {}

  async enqueue(msg: WebhookMessage) {
    if (this.closed) return;
    const list = this.lists.get(msg.verificationId);
    if (list) {
      list.push(msg);
      return;
    }
    this.lists.set(msg.verificationId, [msg]);
    const run = this.drain(msg.verificationId).catch(this.onError);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  /** Sends a verification's events one after the other until its list is empty. */
  private async drain(vid: string) {
    const list = this.lists.get(vid)!;
    while (list.length > 0 && !this.closed) {
      const msg = list[0];
      for (let made = 0; !this.closed; made++) {
        const step = await this.attempts.attempt(msg, made);
        if (step === 'retry') {
          await this.sleep(this.attempts.delay(made));
          continue;
        }
        if (step === 'dead') this.keepDead(msg);
        break;
      }
      list.shift();
    }
    this.lists.delete(vid);
  }

  private keepDead(msg: WebhookMessage) {
    const mine = this.dead.get(msg.clientId) ?? new Map();
    mine.set(msg.id, { msg, at: Date.now() });
    this.dead.set(msg.clientId, mine);
  }

  async failed(clientId: string) {
    const mine = this.dead.get(clientId);
    if (!mine) return [];
    const cutoff = Date.now() - DEAD_LETTER_TTL_MS;
    for (const [id, d] of mine) if (d.at < cutoff) mine.delete(id);
    return [...mine.values()].sort((a, b) => b.at - a.at).map((d) => d.msg);
  }

  async retry(clientId: string, id: string) {
    const d = this.dead.get(clientId)?.get(id);
    if (!d || d.at < Date.now() - DEAD_LETTER_TTL_MS) return false;
    this.dead.get(clientId)!.delete(id);
    await this.enqueue(d.msg);
    return true;
  }

  private sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const entry = {
        t: setTimeout(() => entry.wake(), ms),
        wake: () => {
          clearTimeout(entry.t);
          this.timers.delete(entry);
          resolve();
        },
      };
      entry.t.unref();
      this.timers.add(entry);
    });
  }

  async close() {
    this.closed = true;
    for (const t of [...this.timers]) t.wake();
    await Promise.all([...this.running]);
  }
}
