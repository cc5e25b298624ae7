import { TEST_PROVIDER, type AttemptStatus, type DeliveryChannel, type RequestChannel, type VerificationRecord, type VerificationStatus } from '../model.js';
import type { NewVerification, StoreRules } from './types.js';

// How both stores keep a verification: short field names and one-letter enums, because
// Redis holds one of these per pending verification (scripts/common.lua reads the same
// fields). The id is not stored: the store finds the record by it.

export type CompactAttempt = [channel: string, provider: string, status: string, ref: string, at: number];

export interface CompactRecord {
  /** client */ c: string;
  /** to (E.164) */ t: string;
  /** requested channel */ q: string;
  /** status */ s: string;
  /** locale */ l: string;
  /** current code length */ n: number;
  /** requested code length */ b: number;
  /** code life s */ L: number;
  /** created at (epoch ms; every other time is ms after it) */ a: number;
  /** expires */ x: number;
  /** guesses allowed */ m: number;
  /** guesses made */ k: number;
  /** auto workflow step */ w?: number;
  /** index of the attempt whose code is valid, -1: none yet */ u: number;
  A: CompactAttempt[];
  /** HMAC of the valid code, only while pending */ h?: string;
  /** sender */ o?: string;
  /** keyed tag of the start's end-user IP */ i?: string;
  /** ended */ e?: number;
  /** metadata JSON, when not empty */ md?: string;
}

const pair = <L extends string>(long: readonly L[], short: string[]) => ({
  short: Object.fromEntries(long.map((l, i) => [l, short[i]])) as Record<L, string>,
  long: Object.fromEntries(long.map((l, i) => [short[i], l])) as Record<string, L>,
});

export const CH = pair<RequestChannel>(['sms', 'flash_call', 'voice', 'auto'], ['s', 'f', 'v', 'a']);
export const ST = pair<VerificationStatus>(
  ['pending', 'approved', 'canceled', 'expired', 'max_attempts_reached', 'failed'],
  ['p', 'a', 'c', 'e', 'm', 'f'],
);
export const AT = pair<AttemptStatus>(['queued', 'sent', 'delivered', 'undelivered', 'failed'], ['q', 's', 'd', 'u', 'f']);

/** Guesses a code gets: a 4-digit flash-call code fewer, within the verification's total (as common.lua). */
export const checksFor = (rules: StoreRules, channel: string, checks: number) =>
  channel === 'f' ? Math.min(rules.maxChecks, checks + rules.flashMaxChecks) : rules.maxChecks;

export function compactOf(v: NewVerification, rules: StoreRules, now: number): CompactRecord {
  const ch = CH.short[v.channel];
  const md = JSON.stringify(v.metadata);
  return {
    c: v.clientId,
    t: v.to,
    q: CH.short[v.requestedChannel],
    s: 'p',
    l: v.locale,
    n: v.codeLength,
    b: v.baseCodeLength,
    L: v.ttlMs / 1000,
    a: now,
    x: v.expiresAt - now,
    m: checksFor(rules, ch, 0),
    k: 0,
    ...(v.requestedChannel === 'auto' ? { w: v.step ?? 0 } : {}),
    u: -1,
    A: [[ch, v.provider, 'q', '', 0]],
    ...(v.sender ? { o: v.sender } : {}),
    ...(v.ipTag ? { i: v.ipTag } : {}),
    ...(md !== '{}' ? { md } : {}),
  };
}

export function recordOf(id: string, r: CompactRecord, rules: Pick<StoreRules, 'maxSends'>): VerificationRecord {
  const attempts = r.A.map(([ch, provider, st, ref, at]) => ({
    channel: CH.long[ch] as DeliveryChannel,
    provider,
    status: AT.long[st],
    ...(ref ? { providerRef: ref } : {}),
    at: r.a + at,
  }));
  const valid = r.u >= 0 ? attempts[r.u] : attempts[attempts.length - 1];
  return {
    id,
    clientId: r.c,
    to: r.t,
    channel: valid.channel,
    requestedChannel: CH.long[r.q],
    status: ST.long[r.s],
    locale: r.l as VerificationRecord['locale'],
    codeLength: r.n,
    baseCodeLength: r.b,
    ttlMs: r.L * 1000,
    createdAt: r.a,
    expiresAt: r.a + r.x,
    maxChecks: r.m,
    checks: r.k,
    sends: attempts.length,
    maxSends: rules.maxSends,
    step: r.w ?? 0,
    current: r.u,
    attempts,
    ...(r.o ? { sender: r.o } : {}),
    ...(r.i ? { ipTag: r.i } : {}),
    ...(attempts[0].provider === TEST_PROVIDER ? { testNumber: true } : {}),
  };
}

export const metadataOf = (r: CompactRecord): Record<string, unknown> => (r.md ? JSON.parse(r.md) : {});
