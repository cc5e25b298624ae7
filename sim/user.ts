import { jittered, stream, type Rng } from './random.js';
import type { Handset } from './network.js';
import type { Channel, SimOptions, Strategy } from './options.js';

// One simulated end user: starts a verification, notices what reaches the phone with the
// channel's probability, types the newest code after the channel's delay (the first one
// sometimes wrong), and gives up after `patience` seconds without success. A code that a
// later step replaced is simply wrong (only the latest code is valid), as for a real user.
// Without any code for `resendAfter` seconds a user presses "resend" (up to `resends` times).

export type End = 'approved' | 'abandoned' | 'gave_up' | 'ended' | 'start_refused';

export interface Outcome {
  strategy: Strategy;
  end: End;
  /** Start request to approving check, ms. */
  ms?: number;
  /** Channel of the approved code. */
  via?: Channel;
  /** Verification id (when started). */
  id?: string;
  /** Checks sent, wrong ones included. */
  checks: number;
}

export interface Api {
  url: string;
  headers: Record<string, string>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The code with its last digit changed: always wrong, same length. */
const typo = (code: string) => code.slice(0, -1) + String((Number(code.at(-1)) + 1) % 10);

export class User implements Handset {
  readonly net: Rng;
  readonly sends: Channel[] = [];
  private readonly notice: Rng;
  private readonly act: Rng;
  private readonly abandons: boolean;
  private inbox: { channel: Channel; code: string }[] = [];
  private wake?: () => void;
  private done = false;

  constructor(
    readonly strategy: Strategy,
    readonly phone: string,
    index: number,
    private readonly o: SimOptions,
  ) {
    this.net = stream(o.seed, strategy, index, 'network');
    this.notice = stream(o.seed, strategy, index, 'notice');
    this.act = stream(o.seed, strategy, index, 'act');
    this.abandons = this.act() < o.abandon;
  }

  receive(channel: Channel, code: string): boolean {
    const noticed = this.notice() < this.o.user[channel].notice;
    if (!noticed || this.abandons || this.done) return false;
    this.inbox.push({ channel, code });
    this.wake?.();
    return true;
  }

  async run(api: Api): Promise<Outcome> {
    const t0 = performance.now();
    const out: Outcome = { strategy: this.strategy, end: 'start_refused', checks: 0 };
    const started = await fetch(`${api.url}/v1/verifications`, {
      method: 'POST',
      headers: api.headers,
      body: JSON.stringify({ to: this.phone, channel: this.strategy }),
    });
    const body = (await started.json()) as { id?: string };
    if (started.status !== 201 || !body.id) return this.finish(out);
    out.id = body.id;
    if (this.abandons) return this.finish({ ...out, end: 'abandoned' });

    const deadline = t0 + this.o.patience * 1000;
    let typed = false;
    let resends = 0;
    let quietSince = performance.now();
    for (;;) {
      const resendAt = resends < this.o.resends ? quietSince + this.o.resendAfter * 1000 : Infinity;
      const got = await this.next(Math.min(deadline, resendAt));
      if (!got && performance.now() >= deadline) return this.finish({ ...out, end: 'gave_up' });
      if (!got) {
        resends++;
        quietSince = performance.now();
        if ((await this.resend(api, out.id)) === 'ended') return this.finish({ ...out, end: 'ended' });
        continue;
      }
      await sleep(jittered(this.act, this.o.user[got.channel].read));
      if (!typed && this.act() < this.o.typo) {
        out.checks++;
        if ((await this.check(api, out.id, typo(got.code))) === 'ended') return this.finish({ ...out, end: 'ended' });
        await sleep(jittered(this.act, this.o.retype));
      }
      typed = true;
      out.checks++;
      const result = await this.check(api, out.id, got.code);
      if (result === 'approved') {
        return this.finish({ ...out, end: 'approved', ms: performance.now() - t0, via: got.channel });
      }
      if (result === 'ended') return this.finish({ ...out, end: 'ended' });
      quietSince = performance.now();
    }
  }

  /** "Resend code": refused when too soon or out of sends (the user just waits on), or the verification ended. */
  private async resend(api: Api, id: string): Promise<'sent' | 'refused' | 'ended'> {
    const res = await fetch(`${api.url}/v1/verifications/${id}/resend`, { method: 'POST', headers: api.headers, body: '{}' });
    const body = (await res.json()) as { code?: string };
    if (res.status === 200) return 'sent';
    if (res.status === 429) return 'refused';
    if (res.status === 409) return 'ended';
    throw new Error(`resend answered ${res.status} ${body.code ?? ''}`);
  }

  private finish(o: Outcome): Outcome {
    this.done = true;
    return o;
  }

  /** The newest code not yet typed (older ones are dropped: a user looks at the latest), or undefined at the deadline. */
  private async next(deadline: number) {
    for (;;) {
      if (this.inbox.length) {
        const latest = this.inbox.at(-1)!;
        this.inbox = [];
        return latest;
      }
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private async check(api: Api, id: string, code: string): Promise<'approved' | 'wrong' | 'ended'> {
    const res = await fetch(`${api.url}/v1/verifications/check`, { method: 'POST', headers: api.headers, body: JSON.stringify({ id, code }) });
    const body = (await res.json()) as { status?: string; valid?: boolean; code?: string };
    if (res.status === 200) return body.valid ? 'approved' : body.status === 'pending' ? 'wrong' : 'ended';
    // A replaced flash-call code (4 digits) against a 6-digit SMS step: malformed, no guess used.
    if (res.status === 400 && body.code === 'invalid_code_format') return 'wrong';
    if (res.status === 409) return 'ended';
    throw new Error(`check answered ${res.status} ${body.code ?? ''}`);
  }
}
