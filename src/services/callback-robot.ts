import { codeHmac, phoneTag } from '../codes.js';
import type { Config } from '../config.js';
import type { Locale } from '../model.js';
import { parsePhone } from '../phone.js';
import type { VerificationStore } from '../store/types.js';
import type { Emitter } from './engine.js';

// The flash-call call-back: a user who calls back the number that rang them hears the code.
// Only the caller with a pending flash-call verification whose code is the last four digits
// of the number they called. The robot is not an oracle: a lookup whose number does not end
// in the code is a wrong guess of that verification (the store's check step, in lookup
// mode), and a caller with no pending flash call has a small budget of lookups per minute.

export class CallbackRobot {
  constructor(
    private readonly config: Pick<Config, 'CODE_HMAC_SECRET' | 'DEFAULT_COUNTRY'>,
    private readonly store: VerificationStore,
    private readonly events: Emitter,
    private readonly now: () => number = Date.now,
  ) {}

  /** The code to dictate to `from`, who called `calledNumber`; undefined: nothing to say. */
  async codeFor(from: string, calledNumber: string): Promise<{ code: string; locale: Locale } | undefined> {
    let e164: string;
    try {
      e164 = parsePhone(from, this.config.DEFAULT_COUNTRY).e164;
    } catch {
      return undefined;
    }
    const digits = calledNumber.replace(/\D/g, '');
    if (digits.length < 4) return undefined;
    const code = digits.slice(-4);
    const secret = this.config.CODE_HMAC_SECRET;
    const now = this.now();
    const { id } = await this.store.flashCallId(phoneTag(secret, e164), now);
    if (!id) return undefined;
    const res = await this.store.check(id, '', { hmac: codeHmac(secret, id, code), length: 4 }, 'lookup', now);
    if (!res.ok) {
      if (res.reason === 'not_pending' && res.expired) this.events.emit('verification.expired', res, now);
      return undefined;
    }
    if (res.outcome === 'match') return { code, locale: res.record.locale };
    this.events.emit('check.wrong', res, now);
    this.events.ended(res, now);
    return undefined;
  }
}
