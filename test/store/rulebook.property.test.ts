import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { codeHmac, newVerificationId, phoneTag } from '../../src/codes.js';
import type { DeliveryChannel, RequestChannel, VerificationRecord } from '../../src/model.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import type { AttemptStatus, StoreRules, VerificationStore } from '../../src/store/types.js';

// One rulebook: the embedded store and the Redis store (Lua) driven by the same random
// sequences of operations must give the same answers and the same states, step by step.

const SECRET = 'rulebook-test-secret-0123456789abcdef';
const RULES: StoreRules = {
  retentionMs: 86_400_000,
  cooldownMs: 30_000,
  sendLimit: 4,
  sendWindowMs: 600_000,
  failureLimit: 7,
  failureWindowMs: 86_400_000,
  maxChecks: 3,
  maxSends: 3,
  flashMaxChecks: 2,
  robotLimit: 2,
  robotWindowMs: 60_000,
};
const PHONES = ['+79161234567', '+79251234567', '+79031234567'];
const CLIENTS = ['acme', 'globex'];
const T0 = 1_800_000_000_000;

type Op =
  | { op: 'start'; phone: number; client: number; channel: RequestChannel; test: boolean; ttl: number }
  | { op: 'check'; target: number; guess: 'right' | 'wrong' | 'short'; mode: 'check' | 'lookup'; client: number }
  | { op: 'send'; target: number; mode: 'resend' | 'advance'; channel: DeliveryChannel; stale: boolean }
  | { op: 'deliver'; target: number; latest: boolean; status: AttemptStatus; commit: boolean; fail: boolean }
  | { op: 'cancel'; target: number; client: number }
  | { op: 'read'; target: number }
  | { op: 'find'; phone: number; client: number; flash: boolean }
  | { op: 'advance'; ms: number }
  | { op: 'guard'; ip: number; prefix: number; release: boolean }
  | { op: 'approve'; prefix: number };

const channel = fc.constantFrom<DeliveryChannel>('sms', 'flash_call', 'voice');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('start' as const),
    phone: fc.nat(2),
    client: fc.nat(1),
    channel: fc.constantFrom<RequestChannel>('sms', 'flash_call', 'voice', 'auto'),
    test: fc.boolean(),
    ttl: fc.constantFrom(60_000, 600_000),
  }),
  fc.record({
    op: fc.constant('check' as const),
    target: fc.nat(20),
    guess: fc.constantFrom('right' as const, 'wrong' as const, 'wrong' as const, 'short' as const),
    mode: fc.constantFrom('check' as const, 'check' as const, 'lookup' as const),
    client: fc.nat(1),
  }),
  fc.record({ op: fc.constant('send' as const), target: fc.nat(20), mode: fc.constantFrom('resend' as const, 'advance' as const), channel, stale: fc.boolean() }),
  fc.record({
    op: fc.constant('deliver' as const),
    target: fc.nat(20),
    latest: fc.boolean(),
    status: fc.constantFrom<AttemptStatus>('sent', 'queued', 'delivered', 'undelivered', 'failed'),
    commit: fc.boolean(),
    fail: fc.boolean(),
  }),
  fc.record({ op: fc.constant('cancel' as const), target: fc.nat(20), client: fc.nat(1) }),
  fc.record({ op: fc.constant('read' as const), target: fc.nat(20) }),
  fc.record({ op: fc.constant('find' as const), phone: fc.nat(2), client: fc.nat(1), flash: fc.boolean() }),
  fc.record({
    op: fc.constant('advance' as const),
    // Around the windows' edges too (sends, guard buckets, expiries), where rules tend to drift.
    ms: fc.oneof(
      fc.constantFrom(1_000, 29_000, 31_000, 61_000, 130_000, 590_000, 600_000, 700_000, 3_590_000, 86_400_000),
      fc.integer({ min: 1, max: 700_000 }),
    ),
  }),
  fc.record({ op: fc.constant('guard' as const), ip: fc.nat(1), prefix: fc.nat(1), release: fc.boolean() }),
  fc.record({ op: fc.constant('guard' as const), ip: fc.nat(1), prefix: fc.nat(1), release: fc.boolean() }),
  fc.record({ op: fc.constant('approve' as const), prefix: fc.nat(1) }),
);

const PREFIXES = ['+7916', '+7925'];
const guardSend = (ip: number, prefix: number) => ({
  global: { limit: 5 },
  ip: { tag: `ip${ip}`, limit: 3, windowMs: 600_000 },
  pumping: { prefix: PREFIXES[prefix], minSends: 2, minConversion: 0.5, blockMs: 600_000 },
});

/** The code handed over for attempt `i` (a right guess needs the record's current attempt). */
const codeOf = (i: number, length: number) => String(10 ** 9 + i * 7919).slice(-length);

const opened: VerificationStore[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

async function run(ops: Op[]) {
  const a = new EmbeddedStore(SECRET, RULES, () => T0);
  const b = new RedisStore(new Redis(inject('redisUrl')), SECRET, RULES, `rulebook:${randomBytes(6).toString('hex')}:`);
  opened.push(a, b);
  let now = T0;
  const ids: string[] = [];
  const known = new Map<string, VerificationRecord>();
  const both = async <T>(step: string, fn: (s: VerificationStore) => Promise<T>): Promise<T> => {
    const [x, y] = [await fn(a), await fn(b)];
    expect(y, step).toEqual(x);
    return x;
  };
  const remember = (r: unknown) => {
    const rec = (r as { record?: VerificationRecord } | undefined)?.record;
    if (rec?.id) known.set(rec.id, rec);
  };
  for (const [n, o] of ops.entries()) {
    const step = `step ${n}: ${JSON.stringify(o)}`;
    const id = ids.length ? ids[('target' in o ? o.target : 0) % ids.length] : undefined;
    switch (o.op) {
      case 'start': {
        const to = PHONES[o.phone];
        const vid = newVerificationId(SECRET, phoneTag(SECRET, to));
        const ch: DeliveryChannel = o.channel === 'auto' ? 'flash_call' : o.channel;
        const res = await both(step, (s) =>
          s.create(
            {
              id: vid,
              clientId: CLIENTS[o.client],
              to,
              channel: ch,
              requestedChannel: o.channel,
              provider: o.test ? 'test' : 'p',
              locale: 'ru',
              codeLength: ch === 'flash_call' ? 4 : 6,
              baseCodeLength: 6,
              ttlMs: o.ttl,
              expiresAt: now + (ch === 'flash_call' ? Math.min(o.ttl, 120_000) : o.ttl),
              metadata: o.client ? { n } : {},
              unlimited: o.test,
              ...(o.channel === 'auto' ? { step: 0 } : {}),
            },
            now,
          ),
        );
        if (res.ok) {
          ids.push(vid);
          remember(res);
        }
        break;
      }
      case 'check': {
        if (!id) break;
        const rec = known.get(id)!;
        const length = o.guess === 'short' ? rec.codeLength - 1 : rec.codeLength;
        const code = o.guess === 'right' ? codeOf(Math.max(rec.current, 0), length) : codeOf(99, length);
        remember(await both(step, (s) => s.check(id, CLIENTS[o.client], { hmac: codeHmac(SECRET, id, code), length }, o.mode, now)));
        break;
      }
      case 'send': {
        if (!id) break;
        const rec = known.get(id)!;
        const fromStep = rec.step + (o.stale ? 1 : 0);
        const plan = { mode: o.mode, channel: o.channel, provider: 'p', fromStep, toStep: fromStep + 1, unlimited: false };
        remember(await both(step, (s) => s.beginSend(id, o.mode === 'advance' ? '' : rec.clientId, plan, now)));
        break;
      }
      case 'deliver': {
        if (!id) break;
        const rec = known.get(id)!;
        const index = o.latest ? rec.attempts.length - 1 : 0;
        const length = rec.attempts[index].channel === 'flash_call' ? 4 : 6;
        const update = {
          status: o.status,
          providerRef: `ref-${n}`,
          ...(o.commit ? { code: { hmac: codeHmac(SECRET, id, codeOf(index, length)), length, expiresAt: now + 300_000 } } : {}),
          failVerification: o.fail,
        };
        remember(await both(step, (s) => s.applyDelivery(id, index, update, now)));
        break;
      }
      case 'cancel':
        if (id) remember(await both(step, (s) => s.cancel(id, CLIENTS[o.client], now)));
        break;
      case 'read':
        if (id) remember(await both(step, (s) => s.read(id, now)));
        break;
      case 'find': {
        const tag = phoneTag(SECRET, PHONES[o.phone]);
        await both<unknown>(step, (s) => (o.flash ? s.flashCallId(tag, now) : s.pendingId(CLIENTS[o.client], tag, now)));
        break;
      }
      case 'advance':
        now += o.ms;
        break;
      case 'guard': {
        const send = guardSend(o.ip, o.prefix);
        const res = await both(step, (s) => s.guardTake(send, now));
        if (res.ok && o.release) await both(`${step} release`, (s) => s.guardRelease(send, now));
        break;
      }
      case 'approve':
        await both(step, (s) => s.guardApproval(PREFIXES[o.prefix], 600_000, now));
        break;
    }
  }
  // Final states: every verification read the same way.
  for (const id of ids) await both(`final read ${id}`, (s) => s.read(id, now));
}

describe('one rulebook: embedded store and Redis store', () => {
  it('give the same answers and states for the same random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60 }), async (ops) => {
        await run(ops);
      }),
      { numRuns: Number(process.env.RULEBOOK_RUNS ?? 300) },
    );
  }, 120_000);
});
