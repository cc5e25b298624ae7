import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import ipaddr from 'ipaddr.js';
import type { Config } from '../config.js';
import { AppError, type ErrorCode } from '../errors.js';
import type { Phone } from '../phone.js';
import type { VerificationStore } from '../store/types.js';
import type { Metrics } from './metrics.js';
import type { SendGuard } from './verification-service.js';

// Abuse protection in front of every paid send (CONTRACT.md section 1): allowed countries,
// the pumping guard, the global budget and the per-end-user-IP budget. Every counter lives in
// the store (sliding windows, `hit`/`unhit`), so all instances sharing a Redis share them.
//
// Each send records one random member in every counter it passes; the undo handed back to the
// service removes exactly those members, so a send refused later (per-phone cooldown, ...) or
// refused here by a later check consumes no budget.
//
// Pumping guard (SMS pumping / toll fraud: bots requesting codes nobody ever enters), per
// destination prefix (phone.ts: country code + 3 national digits):
// - sends and approvals are counted over a sliding window of PUMPING_BLOCK_SECONDS. Equal to
//   the block, so a block that ends starts from fresh statistics (the refused sends are not
//   counted) instead of re-blocking on the data that caused it;
// - a send is the trigger when PUMPING_MIN_SENDS sends were already made in the window and
//   approvals / those sends < PUMPING_MIN_CONVERSION. The trigger itself is refused (with 50
//   sends and no approval, the 51st is refused): it would very likely be paid for nothing;
// - the trigger starts a block of PUMPING_BLOCK_SECONDS, a marker in the store;
// - SAFE_NUMBERS are outside the pumping guard entirely: never refused by a block, and neither
//   their sends nor their approvals count in the statistics (their traffic, such as QA runs,
//   says nothing about the prefix).

const HOUR_MS = 3600_000;
/** Counters that only count: never refuse. */
const UNCAPPED = Number.MAX_SAFE_INTEGER;

export interface AbuseGuardDeps {
  config: Config;
  store: VerificationStore;
  metrics: Pick<Metrics, 'refusals'>;
  log: Pick<FastifyBaseLogger, 'warn'>;
}

const counters = {
  global: 'send:global',
  ip: (tag: string) => `send:ip:${tag}`,
  pumpSends: (prefix: string) => `pump:s:${prefix}`,
  pumpApprovals: (prefix: string) => `pump:a:${prefix}`,
  pumpBlock: (prefix: string) => `pump:b:${prefix}`,
};

export class AbuseGuard implements SendGuard {
  private readonly config: Config;
  private readonly store: VerificationStore;
  private readonly metrics: AbuseGuardDeps['metrics'];
  private readonly log: AbuseGuardDeps['log'];
  private readonly safeNumbers: Set<string>;
  private readonly blockMs: number;

  constructor(deps: AbuseGuardDeps) {
    ({ config: this.config, store: this.store, metrics: this.metrics, log: this.log } = deps);
    this.safeNumbers = new Set(deps.config.SAFE_NUMBERS);
    this.blockMs = deps.config.PUMPING_BLOCK_SECONDS * 1000;
  }

  async beforeSend(ctx: Parameters<SendGuard['beforeSend']>[0]): Promise<() => Promise<void>> {
    const { phone, now } = ctx;
    // A malformed IP is a bad request, not a refusal: checked before anything is counted.
    const ipKey = ctx.clientIp === undefined ? undefined : ipBudgetKey(ctx.clientIp);
    const pumping = !this.safeNumbers.has(phone.e164);
    const send = new SendHits(this.store);
    try {
      this.checkCountry(phone);
      if (pumping) await this.checkBlock(phone.prefix, now);
      const globalLimit = this.config.GLOBAL_SEND_LIMIT;
      if (globalLimit !== undefined) {
        await this.take(send, counters.global, globalLimit, HOUR_MS, now, 'The service-wide hourly send limit is reached');
      }
      if (ipKey !== undefined) {
        const name = counters.ip(this.tag(ipKey));
        const windowMs = this.config.IP_SEND_WINDOW_SECONDS * 1000;
        await this.take(send, name, this.config.IP_SEND_LIMIT, windowMs, now, 'Too many codes requested from this IP address');
      }
      if (pumping) await this.accountSend(send, phone.prefix, now);
    } catch (err) {
      await send.undo().catch((undoErr) => this.log.warn({ err: undoErr }, 'could not release the budgets of a refused send'));
      throw err;
    }
    return () => send.undo();
  }

  async onApproved(ctx: Parameters<SendGuard['onApproved']>[0]): Promise<void> {
    if (this.safeNumbers.has(ctx.phone.e164)) return;
    await this.store.hit(counters.pumpApprovals(ctx.phone.prefix), UNCAPPED, this.blockMs, randomMember(), ctx.now);
  }

  // ---------------------------------------------------------------- checks

  private checkCountry(phone: Phone) {
    const allowed = this.config.ALLOWED_COUNTRIES;
    if (allowed.length > 0 && !(phone.country && allowed.includes(phone.country))) {
      throw this.refuse('country_not_allowed', `Codes cannot be sent to numbers of ${phone.country ?? 'this country'}`);
    }
  }

  /** A sliding-window budget: refuses with the wait until its oldest send leaves the window. */
  private async take(send: SendHits, name: string, limit: number, windowMs: number, now: number, detail: string) {
    const hit = await send.record(name, limit, windowMs, now);
    if (!hit.allowed) throw this.refuse('rate_limited', detail, hit.retryAfterMs);
  }

  private async checkBlock(prefix: string, now: number) {
    const remainingMs = await this.blockRemainingMs(prefix, now);
    if (remainingMs > 0) throw this.blocked(remainingMs);
  }

  /** Records the send for its prefix, then refuses it if it is the one that triggers a block. */
  private async accountSend(send: SendHits, prefix: string, now: number) {
    const hit = await send.record(counters.pumpSends(prefix), UNCAPPED, this.blockMs, now);
    // The count includes this send: the condition is on the sends made before it.
    const sends = hit.count - 1;
    if (sends < this.config.PUMPING_MIN_SENDS) return;
    const approvals = (await this.store.peek(counters.pumpApprovals(prefix), this.blockMs, now)).count;
    if (approvals / sends >= this.config.PUMPING_MIN_CONVERSION) return;
    await this.startBlock(prefix, now, sends, approvals);
    throw this.blocked(this.blockMs);
  }

  // ---------------------------------------------------------------- pumping block marker
  //
  // A block is one member in counter pump:b:<prefix>, recorded with limit 1 and a window of
  // the block's length: live for PUMPING_BLOCK_SECONDS from its start, and started at most
  // once while live (so one warning per block).

  private async blockRemainingMs(prefix: string, now: number): Promise<number> {
    const read = await this.store.peek(counters.pumpBlock(prefix), this.blockMs, now);
    return read.count > 0 ? read.retryAfterMs : 0;
  }

  private async startBlock(prefix: string, now: number, sends: number, approvals: number) {
    const started = await this.store.hit(counters.pumpBlock(prefix), 1, this.blockMs, randomMember(), now);
    if (!started.allowed) return;
    this.log.warn(
      {
        prefix,
        sends,
        approvals,
        minSends: this.config.PUMPING_MIN_SENDS,
        minConversion: this.config.PUMPING_MIN_CONVERSION,
        blockSeconds: this.config.PUMPING_BLOCK_SECONDS,
      },
      'pumping guard: destination prefix blocked, its codes are almost never confirmed',
    );
  }

  // ---------------------------------------------------------------- helpers

  private blocked(retryAfterMs: number) {
    return this.refuse('destination_blocked', 'Codes to this destination are temporarily blocked', retryAfterMs);
  }

  private refuse(code: ErrorCode, detail: string, retryAfterMs?: number) {
    this.metrics.refusals.inc({ reason: code });
    const retryAfter = retryAfterMs === undefined ? undefined : Math.max(Math.ceil(retryAfterMs / 1000), 1);
    return new AppError(code, detail, {}, retryAfter);
  }

  /** Keyed hash: no IP appears in a store key, and IPv4's small space cannot be enumerated. */
  private tag(ipKey: string) {
    return createHmac('sha256', this.config.CODE_HMAC_SECRET).update(`ip-key\x00${ipKey}`).digest('hex').slice(0, 24);
  }
}

/** The hits of one send, undone together. */
class SendHits {
  private readonly member = randomMember();
  private readonly names: string[] = [];

  constructor(private readonly store: VerificationStore) {}

  record(name: string, limit: number, windowMs: number, now: number) {
    // Remembered before the call: a hit whose reply is lost may still have been recorded.
    this.names.push(name);
    return this.store.hit(name, limit, windowMs, this.member, now);
  }

  /** Idempotent: the service may call it after the guard already undid a refused send. */
  async undo() {
    const names = this.names.splice(0);
    await Promise.all(names.map((name) => this.store.unhit(name, this.member)));
  }
}

const randomMember = () => randomBytes(12).toString('base64url');

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
