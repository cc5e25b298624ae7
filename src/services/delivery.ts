import type { FastifyBaseLogger } from 'fastify';
import { codeHmac } from '../codes.js';
import type { ChannelProvider, DeliveryResult } from '../channels/types.js';
import { ListFailure } from '../channels/failover.js';
import { publicProviderError } from '../channels/provider-errors.js';
import { AppError } from '../errors.js';
import { maskPhone } from '../phone.js';
import { TEST_PROVIDER, type AttemptStatus } from '../model.js';
import type { DeliveryApplied, StoredVerification } from '../store/types.js';
import type { VerificationEvent } from './events.js';
import { countSpend } from '../ops/business-metrics.js';
import { codeTtlMs } from './issue-code.js';
import { providerFor, type EngineDeps } from './engine.js';

// Handing an attempt's code to its provider and recording what the provider says, now or
// later (delivery reports, status polling). The code becomes the valid one only once a
// provider took it.

/** Provider references awaiting a final delivery status. */
export const pollSet = (provider: string) => `poll:${provider}`;

const ATTEMPT_EVENTS = { queued: 'attempt.sent', sent: 'attempt.sent', delivered: 'attempt.delivered', undelivered: 'attempt.undelivered', failed: 'attempt.failed' } as const;

/** The member of a provider list that carried a message (the provider itself otherwise). */
const carrierOf = (p: ChannelProvider, name: string) => p.members?.find((m) => m.name === name) ?? p;

export interface DeliverOptions {
  /** A failed send ends the verification as `failed` (single-channel starts). */
  failVerification?: boolean;
  /** The caller gets the provider's AppError. */
  throwOnError?: boolean;
  /** The start's end-user IP, for providers that take it (never stored). */
  clientIp?: string;
  /**
   * This attempt moves the verification to another channel: verification.channel_changed is
   * emitted once the provider's answer is applied (so it shows the new channel, code length
   * and expiry), before the attempt's own event.
   */
  channelChange?: Pick<VerificationEvent, 'from' | 'reason'>;
}

export class Delivery {
  constructor(private readonly d: EngineDeps) {}

  /** Sends attempt `index` of a verification with `code` (undefined: the provider picks it). */
  async deliver(
    s: StoredVerification,
    index: number,
    code: string | undefined,
    log: FastifyBaseLogger,
    opts: DeliverOptions = {},
  ): Promise<StoredVerification> {
    const rec = s.record;
    const attempt = rec.attempts[index];
    const { config, store } = this.d;
    const expiresAt = () => this.d.now() + codeTtlMs(config, attempt.channel, rec.ttlMs);
    if (attempt.provider === TEST_PROVIDER) {
      const hmac = codeHmac(config.CODE_HMAC_SECRET, rec.id, code!);
      return this.applied(s, index, await store.applyDelivery(rec.id, index, { status: 'sent', providerRef: `test-${index}`, code: { hmac, length: code!.length, expiresAt: expiresAt() } }, this.d.now()), opts);
    }
    const provider = providerFor(this.d.providers, attempt.channel);
    let result: DeliveryResult;
    try {
      result = await provider.send({
        verificationId: rec.id,
        attemptId: `${rec.id}-${index}`,
        to: rec.to,
        code,
        locale: rec.locale,
        sender: rec.sender,
        ...(opts.clientIp ? { clientIp: opts.clientIp } : {}),
      });
    } catch (err) {
      // Callers see a contract code and a fixed detail, never a provider's own words.
      const appErr = publicProviderError(err);
      if (!(err instanceof AppError)) log.error({ err, verificationId: rec.id }, 'provider adapter threw');
      // A provider list answers with its last provider's failure: the attempt records it.
      const tried = err instanceof ListFailure ? err.provider : provider.name;
      this.d.metrics.sends.inc({ channel: attempt.channel, provider: tried, result: appErr.code });
      log.warn({ verificationId: rec.id, channel: attempt.channel, provider: tried, code: appErr.code, to: maskPhone(rec.to) }, 'delivery failed');
      const update = { status: 'failed' as const, provider: tried, failVerification: opts.failVerification };
      const after = this.applied(s, index, await store.applyDelivery(rec.id, index, update, this.d.now()), opts);
      if (opts.throwOnError) throw appErr;
      return after;
    }
    const carrier = result.provider ?? provider.name;
    this.d.metrics.sends.inc({ channel: attempt.channel, provider: carrier, result: 'ok' });
    countSpend(this.d.metrics, config, attempt.channel, carrier);
    // The code the user will see: the provider's when it chose or changed it.
    const shown = result.code ?? code;
    const now = this.d.now();
    // Console providers never report back: their made-up reference is neither kept nor
    // indexed (it would be a fifth of a pending verification's bytes in Redis).
    const ref = provider.name === 'console' ? undefined : result.providerRef;
    const [applied] = await Promise.all([
      store.applyDelivery(
        rec.id,
        index,
        {
          status: result.status,
          providerRef: ref,
          provider: carrier,
          ...(shown ? { code: { hmac: codeHmac(config.CODE_HMAC_SECRET, rec.id, shown), length: shown.length, expiresAt: expiresAt() } } : {}),
        },
        now,
      ),
      // Watched until a final status arrives, by report or by polling (DeliveryPoller).
      ref
        ? store
            .indexProviderRef(carrier, ref, rec.id, index, carrierOf(provider, carrier).pollStatus ? { set: pollSet(carrier), at: now } : undefined)
            .catch((err) => log.warn({ err, verificationId: rec.id }, 'could not index the provider reference'))
        : undefined,
    ]);
    return this.applied(s, index, applied, opts);
  }

  /** A delivery report or a polled status. Unknown references are ignored (undefined). */
  async applyStatus(provider: string, providerRef: string, status: AttemptStatus) {
    this.d.metrics.deliveryReports.inc({ provider, status });
    const final = status !== 'queued' && status !== 'sent';
    const [found] = await Promise.all([
      this.d.store.findByProviderRef(provider, providerRef),
      final ? this.d.store.trackRemove(pollSet(provider), [providerRef]) : undefined,
    ]);
    if (!found) return undefined;
    const applied = await this.d.store.applyDelivery(found.id, found.attemptIndex, { status }, this.d.now());
    if (!applied) return undefined;
    return { stored: this.applied(applied, found.attemptIndex, applied), attemptIndex: found.attemptIndex };
  }

  /** Emits what an applied update changed; answers the verification after it. */
  private applied(before: StoredVerification, index: number, a: DeliveryApplied | undefined, opts: DeliverOptions = {}): StoredVerification {
    if (!a) return before;
    const at = this.d.now();
    if (a.expired) this.d.events.emit('verification.expired', a, at);
    if (opts.channelChange) this.d.events.emit('verification.channel_changed', a, at, opts.channelChange);
    if (a.changed) this.d.events.emit(ATTEMPT_EVENTS[a.record.attempts[index].status], a, at, { attemptIndex: index });
    if (a.failed) this.d.events.emit('verification.failed', a, at);
    return { record: a.record, metadata: a.metadata };
  }
}
