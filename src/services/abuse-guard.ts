import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import ipaddr from 'ipaddr.js';
import type { Config } from '../config.js';
import { AppError, type ErrorCode } from '../errors.js';
import type { Phone } from '../phone.js';
import type { GuardSend, VerificationStore } from '../store/types.js';

// Abuse protection in front of every paid send (docs/limits.md): allowed countries,
// the pumping guard, the global budget and the per-end-user-IP budget. All counters of one
// send are taken in one atomic store step (scripts/guard.lua), or none; the undo handed back
// gives them back when the send does not happen after all.
//
// Pumping guard (SMS pumping / toll fraud: bots requesting codes nobody ever enters), per
// destination prefix (phone.ts: country code + 3 national digits):
// - sends and approvals are counted over a window of PUMPING_BLOCK_SECONDS (fixed buckets of
//   1/60 of it). Equal to the block, so a block that ends starts from fresh statistics;
// - a send is the trigger when PUMPING_MIN_SENDS sends were already made in the window and
//   approvals / those sends < PUMPING_MIN_CONVERSION. The trigger itself is refused;
// - the trigger starts a block of PUMPING_BLOCK_SECONDS;
// - SAFE_NUMBERS are outside the pumping guard entirely: never refused by a block, and neither
//   their sends nor their approvals count in the statistics.

export interface SendGuard {
  /** Throws an AppError to refuse; returns an undo for when the send does not happen. */
  beforeSend(ctx: { phone: Phone; ipTag?: string; now: number; log?: Pick<FastifyBaseLogger, 'warn'> }): Promise<() => Promise<void>>;
  /** A verification to this number was approved (conversion for the pumping guard). Never waited for. */
  onApproved(ctx: { phone: Phone; now: number }): void;
}

export const noGuard: SendGuard = {
  beforeSend: async () => async () => {},
  onApproved: () => {},
};

export interface AbuseGuardDeps {
  config: Config;
  store: VerificationStore;
  log: Pick<FastifyBaseLogger, 'warn'>;
}

export class AbuseGuard implements SendGuard {
  private readonly config: Config;
  private readonly store: VerificationStore;
  private readonly log: AbuseGuardDeps['log'];
  private readonly safeNumbers: Set<string>;
  private readonly blockMs: number;

  constructor(deps: AbuseGuardDeps) {
    ({ config: this.config, store: this.store, log: this.log } = deps);
    this.safeNumbers = new Set(deps.config.SAFE_NUMBERS);
    this.blockMs = deps.config.PUMPING_BLOCK_SECONDS * 1000;
  }

  async beforeSend(ctx: Parameters<SendGuard['beforeSend']>[0]): Promise<() => Promise<void>> {
    const { phone, now } = ctx;
    const allowed = this.config.ALLOWED_COUNTRIES;
    if (allowed.length > 0 && !(phone.country && allowed.includes(phone.country))) {
      throw this.refuse('country_not_allowed', `Codes cannot be sent to numbers of ${phone.country ?? 'this country'}`);
    }
    const c = this.config;
    const send: GuardSend = {
      ...(c.GLOBAL_SEND_LIMIT !== undefined ? { global: { limit: c.GLOBAL_SEND_LIMIT } } : {}),
      ...(ctx.ipTag ? { ip: { tag: ctx.ipTag, limit: c.IP_SEND_LIMIT, windowMs: c.IP_SEND_WINDOW_SECONDS * 1000 } } : {}),
      ...(this.safeNumbers.has(phone.e164)
        ? {}
        : { pumping: { prefix: phone.prefix, minSends: c.PUMPING_MIN_SENDS, minConversion: c.PUMPING_MIN_CONVERSION, blockMs: this.blockMs } }),
    };
    const res = await this.store.guardTake(send, now);
    if (res.ok) {
      let undone = false;
      return async () => {
        if (undone) return;
        undone = true;
        await this.store.guardRelease(send, now);
      };
    }
    if (res.reason !== 'blocked') {
      const detail = res.reason === 'global' ? 'The service-wide hourly send limit is reached' : 'Too many codes requested from this IP address';
      throw this.refuse('rate_limited', detail, res.retryAfterMs);
    }
    if (res.started) {
      (ctx.log ?? this.log).warn(
        {
          prefix: phone.prefix,
          ...res.started,
          minSends: c.PUMPING_MIN_SENDS,
          minConversion: c.PUMPING_MIN_CONVERSION,
          blockSeconds: c.PUMPING_BLOCK_SECONDS,
        },
        'pumping guard: destination prefix blocked, its codes are almost never confirmed',
      );
    }
    throw this.refuse('destination_blocked', 'Codes to this destination are temporarily blocked', res.retryAfterMs);
  }

  onApproved(ctx: Parameters<SendGuard['onApproved']>[0]): void {
    if (this.safeNumbers.has(ctx.phone.e164)) return;
    // Lives with the guard's counters (another Cluster slot): the check's answer does not wait.
    this.store.guardApproval(ctx.phone.prefix, this.blockMs, ctx.now).catch((err) => {
      this.log.warn({ err }, 'could not record an approval for the pumping guard');
    });
  }

  private refuse(code: ErrorCode, detail: string, retryAfterMs?: number) {
    const retryAfter = retryAfterMs === undefined ? undefined : Math.max(Math.ceil(retryAfterMs / 1000), 1);
    return new AppError(code, detail, {}, retryAfter);
  }
}

/** Keyed tag of an end user's IP budget key: no IP appears in the store, and IPv4's small space cannot be enumerated. */
export function ipTag(secret: string, clientIp: string): string {
  return createHmac('sha256', secret).update(`ip-key\x00${ipBudgetKey(clientIp)}`).digest('hex').slice(0, 20);
}

/**
 * What the per-IP budget counts by: an IPv4 address itself, an IPv6 address by its /64 (one
 * subscriber's usual allocation). IPv4-mapped IPv6 (::ffff:a.b.c.d) is that IPv4 address.
 * Throws invalid_request for anything that is not an IP address.
 */
export function ipBudgetKey(ip: string): string {
  // node:net's strict syntax (no '1.2.3' shorthands); ipaddr.js to normalise what passes.
  if (isIP(ip) === 0) throw new AppError('invalid_request', 'clientIp must be an IPv4 or IPv6 address');
  const addr = ipaddr.process(ip); // ::ffff:a.b.c.d becomes the IPv4 address
  if (addr.kind() === 'ipv4') return addr.toString();
  return `${(addr as ipaddr.IPv6).parts.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}
