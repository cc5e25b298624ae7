import { codeHmac, hmacEquals } from '../codes.js';
import type { Config, Locale } from '../config.js';
import { parsePhone } from '../phone.js';
import type { VerificationStore } from '../store/types.js';

// The flash-call call-back: a user who calls back the number that rang them hears the code.
// Only the caller with a pending flash-call verification whose code is the last four digits
// of the number they called; the code is checked through its HMAC, never kept in clear.

export class CallbackRobot {
  constructor(
    private readonly config: Pick<Config, 'CODE_HMAC_SECRET' | 'DEFAULT_COUNTRY'>,
    private readonly store: VerificationStore,
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
    const id = await this.store.flashCallId(e164);
    const rec = id ? (await this.store.get(id))?.record : undefined;
    if (!rec?.codeHmac || rec.status !== 'pending' || rec.channel !== 'flash_call' || this.now() >= rec.expiresAt) {
      return undefined;
    }
    if (!hmacEquals(rec.codeHmac, codeHmac(this.config.CODE_HMAC_SECRET, rec.id, code))) return undefined;
    return { code, locale: rec.locale };
  }
}
