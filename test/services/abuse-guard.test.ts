import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { testConfig } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { parsePhone, type Phone } from '../../src/phone.js';
import { AbuseGuard, ipBudgetKey, ipTag } from '../../src/services/abuse-guard.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { rulesFromConfig, type VerificationStore } from '../../src/store/types.js';

// The guard against both stores. Time moves through the `now` argument only; Redis tests use
// a key prefix of their own on the shared test Redis.

const url = inject('redisUrl');
const SECRET = 'abuse-guard-test-secret-0123456789abcdef';
const T0 = Date.now();
const SECOND = 1000;
const HOUR = 3600 * SECOND;

const phone = (e164: string): Phone => parsePhone(e164, 'RU');
/** Distinct numbers of one destination prefix. */
const mts = (i: number) => phone(`+7916${1_000_000 + i}`); // prefix +7916
const megafon = (i: number) => phone(`+7925${1_000_000 + i}`); // prefix +7925

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal, the send was allowed');
}

/** The guard's store steps answer after a random number of event-loop turns: calls issued
 *  together interleave as they would between instances (or reorder, as a lost reply might). */
function jittery(store: VerificationStore): VerificationStore {
  const pause = async () => {
    for (let i = Math.floor(Math.random() * 4); i > 0; i--) await new Promise((r) => setImmediate(r));
  };
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop !== 'guardTake' && prop !== 'guardRelease') return value.bind(target);
      return async (...args: unknown[]) => {
        await pause();
        return value.apply(target, args);
      };
    },
  });
}

describe('ipBudgetKey', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(ipBudgetKey('203.0.113.9')).toBe('203.0.113.9');
  });

  it('groups IPv6 by /64, whatever the spelling', () => {
    const group = '2001:db8:1:2::/64';
    for (const ip of ['2001:db8:1:2::1', '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2:0:0:0:0', '2001:db8:1:2::1.2.3.4']) {
      expect(ipBudgetKey(ip)).toBe(group);
    }
    expect(ipBudgetKey('2001:db8:1:3::1')).not.toBe(group);
    expect(ipBudgetKey('::')).toBe('0:0:0:0::/64');
    expect(ipBudgetKey('::1')).toBe('0:0:0:0::/64');
    expect(ipBudgetKey('1::')).toBe('1:0:0:0::/64');
    expect(ipBudgetKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(ipBudgetKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('treats IPv4-mapped IPv6 as the IPv4 address', () => {
    for (const ip of ['::ffff:192.0.2.7', '::FFFF:192.0.2.7', '::ffff:c000:207', '0:0:0:0:0:ffff:c000:0207']) {
      expect(ipBudgetKey(ip)).toBe('192.0.2.7');
    }
  });

  it('refuses anything that is not an IP address as invalid_request', () => {
    for (const ip of ['', 'localhost', '1.2.3', '256.1.1.1', '01.2.3.4', ' 1.2.3.4', '1.2.3.4/32', '2001:db8::g', '1:2:3:4:5:6:7:8:9']) {
      expect(() => ipBudgetKey(ip), ip).toThrowError(expect.objectContaining({ code: 'invalid_request', status: 400 }));
    }
  });
});

describe.each(['embedded', 'redis'] as const)('AbuseGuard on the %s store', (kind) => {
  let space: string;
  const opened: VerificationStore[] = [];

  beforeEach(() => {
    space = `abuse-test:${randomBytes(6).toString('hex')}:`;
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  /** A new store; for Redis a new connection to this test's key space. */
  function openStore(): VerificationStore {
    const rules = rulesFromConfig(testConfig());
    const store = kind === 'redis' ? new RedisStore(new Redis(url), SECRET, rules, space) : new EmbeddedStore(SECRET, rules);
    opened.push(store);
    return store;
  }

  function guardOn(store: VerificationStore, env: Record<string, string>) {
    const log = { warn: vi.fn() };
    const config = testConfig(env);
    const guard = new AbuseGuard({ config, store, log });
    const send = async (p: Phone, clientIp?: string, now = T0) =>
      guard.beforeSend({ phone: p, ipTag: clientIp === undefined ? undefined : ipTag(config.CODE_HMAC_SECRET, clientIp), now });
    return { guard, send, log };
  }

  /** A guard, and `sibling()`: another instance sharing its store (Redis: another connection). */
  function setup(env: Record<string, string> = {}) {
    const store = openStore();
    const sibling = () => guardOn(kind === 'redis' ? openStore() : store, env);
    return { store, sibling, ...guardOn(store, env) };
  }

  describe('countries', () => {
    it('refuses numbers outside ALLOWED_COUNTRIES with country_not_allowed', async () => {
      const { send } = setup({ ALLOWED_COUNTRIES: 'RU' });
      await send(mts(1));
      const err = await refusal(send(phone('+77012345678'))); // Kazakhstan, also +7
      expect(err).toMatchObject({ code: 'country_not_allowed', status: 403 });
    });

    it('allows every country when ALLOWED_COUNTRIES is empty', async () => {
      const { send } = setup();
      await send(phone('+77012345678'));
      await send(phone('+14155550123'));
    });
  });

  describe('per end-user IP', () => {
    it('allows IP_SEND_LIMIT sends and refuses the next with rate_limited and a Retry-After', async () => {
      const { send } = setup({ IP_SEND_LIMIT: '3', IP_SEND_WINDOW_SECONDS: '600' });
      for (let i = 0; i < 3; i++) await send(mts(i), '203.0.113.9');
      const err = await refusal(send(mts(3), '203.0.113.9'));
      expect(err).toMatchObject({ code: 'rate_limited', status: 429 });
      expect(err.retryAfter).toBeGreaterThan(0);
      expect(err.retryAfter).toBeLessThanOrEqual(600);
      await send(mts(4), '203.0.113.10'); // another IP has its own budget
      await send(mts(5)); // no clientIp: no IP budget
    });

    it('rolls the window over as time passes', async () => {
      // Counted in fixed buckets of 1/60 of the window (10 s here): a send leaves the window
      // up to one bucket early, never late.
      const { send } = setup({ IP_SEND_LIMIT: '3', IP_SEND_WINDOW_SECONDS: '600' });
      const ip = '198.51.100.1';
      for (let i = 0; i < 3; i++) await send(mts(i), ip, T0 + i * 100 * SECOND);
      const early = (await refusal(send(mts(9), ip, T0 + 589 * SECOND))).retryAfter!;
      expect(early).toBeGreaterThanOrEqual(1);
      expect(early).toBeLessThanOrEqual(11);
      await send(mts(3), ip, T0 + 600 * SECOND); // the first send left the window
      const err = await refusal(send(mts(4), ip, T0 + 600 * SECOND));
      expect(err.retryAfter).toBeGreaterThan(90); // until the second one leaves it
      expect(err.retryAfter).toBeLessThanOrEqual(100);
      await send(mts(5), ip, T0 + 700 * SECOND);
    });

    it('counts an IPv6 /64 as one end user', async () => {
      const { send } = setup({ IP_SEND_LIMIT: '2' });
      await send(mts(1), '2001:db8:1:2::1');
      await send(mts(2), '2001:db8:1:2:ffff:ffff:ffff:ffff');
      expect((await refusal(send(mts(3), '2001:0db8:0001:0002::abcd'))).code).toBe('rate_limited');
      await send(mts(4), '2001:db8:1:3::1'); // the next /64
    });

    it('counts an IPv4-mapped IPv6 address as its IPv4 address', async () => {
      const { send } = setup({ IP_SEND_LIMIT: '1' });
      await send(mts(1), '192.0.2.7');
      expect((await refusal(send(mts(2), '::ffff:192.0.2.7'))).code).toBe('rate_limited');
      expect((await refusal(send(mts(3), '::ffff:c000:207'))).code).toBe('rate_limited');
      await send(mts(4), '192.0.2.8');
    });

    it('refuses an invalid clientIp with invalid_request, counting nothing', async () => {
      const { send } = setup({ GLOBAL_SEND_LIMIT: '1' });
      for (const ip of ['not-an-ip', '', '300.1.1.1']) {
        expect(await refusal(send(mts(1), ip))).toMatchObject({ code: 'invalid_request', status: 400 });
      }
      await send(mts(1), '192.0.2.1'); // the global budget of 1 is still whole
    });

    it('allows exactly the limit out of 100 parallel sends from one IP', async () => {
      const { send } = setup({ IP_SEND_LIMIT: '10' });
      const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => send(mts(i), '203.0.113.50')));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'rate_limited' });
      }
    });
  });

  describe('global budget', () => {
    it('allows GLOBAL_SEND_LIMIT sends per hour across all clients and IPs', async () => {
      const { send } = setup({ GLOBAL_SEND_LIMIT: '5' });
      for (let i = 0; i < 5; i++) await send(mts(i), `192.0.2.${i}`, T0 + i * SECOND);
      const err = await refusal(send(megafon(1), '192.0.2.200', T0 + 10 * SECOND));
      expect(err).toMatchObject({ code: 'rate_limited', status: 429 });
      // Minute buckets: the first send's minute leaves the hour at most a minute early.
      expect(err.retryAfter).toBeGreaterThan(3530);
      expect(err.retryAfter).toBeLessThanOrEqual(3590);
      await send(megafon(2), '192.0.2.200', T0 + HOUR); // the first send left the hour
    });
  });

  describe('undo', () => {
    it('releases every budget the send took', async () => {
      const { send } = setup({ IP_SEND_LIMIT: '2', GLOBAL_SEND_LIMIT: '2' });
      const undo = await send(mts(1), '192.0.2.1');
      await send(mts(2), '192.0.2.1');
      expect((await refusal(send(mts(3), '192.0.2.1'))).code).toBe('rate_limited');
      await undo();
      await undo(); // idempotent: frees one slot, not two
      await send(mts(3), '192.0.2.1');
      expect((await refusal(send(mts(4), '192.0.2.2'))).code).toBe('rate_limited');
    });

    it('releases the pumping count too', async () => {
      const { send } = setup({ PUMPING_MIN_SENDS: '3' });
      for (let i = 0; i < 10; i++) await (await send(mts(i)))();
      for (let i = 0; i < 3; i++) await send(mts(i));
      expect((await refusal(send(mts(3)))).code).toBe('destination_blocked');
    });

    it('gives back what a send took before a later check refused it', async () => {
      const { send } = setup({ IP_SEND_LIMIT: '1', GLOBAL_SEND_LIMIT: '3' });
      await send(mts(1), '192.0.2.1');
      for (let i = 0; i < 5; i++) expect((await refusal(send(mts(2), '192.0.2.1'))).code).toBe('rate_limited');
      await send(mts(3), '192.0.2.2');
      await send(mts(4), '192.0.2.3'); // the refused sends did not use the global budget
      expect((await refusal(send(mts(5), '192.0.2.4'))).code).toBe('rate_limited');
    });
  });

  describe('pumping guard', () => {
    it('blocks a prefix whose codes are never confirmed, and leaves a converting prefix alone', async () => {
      const { guard, send, log } = setup();
      const outcomes: string[] = [];
      for (let i = 0; i < 300; i++) {
        const now = T0 + i * SECOND;
        outcomes.push(await send(mts(i), undefined, now).then(() => 'sent', (err: AppError) => err.code));
        // +7925 converts at ~50%: never blocked.
        await send(megafon(i), undefined, now);
        if (i % 2 === 0) await guard.onApproved({ phone: megafon(i), now: now + 20 * SECOND });
      }
      // 50 sends with no approval are allowed; the 51st triggers the block and is refused.
      expect(outcomes.slice(0, 50).every((o) => o === 'sent')).toBe(true);
      expect(outcomes.slice(50).every((o) => o === 'destination_blocked')).toBe(true);
      const err = await refusal(send(mts(1), undefined, T0 + 300 * SECOND));
      expect(err).toMatchObject({ code: 'destination_blocked', status: 403 });
      expect(err.retryAfter).toBeGreaterThan(0);
      expect(err.retryAfter).toBeLessThanOrEqual(3600);
      expect(log.warn).toHaveBeenCalledTimes(1);
      expect(log.warn.mock.calls[0][0]).toMatchObject({ prefix: '+7916', sends: 50, approvals: 0 });
    });

    it('blocks on conversion strictly below PUMPING_MIN_CONVERSION', async () => {
      const { guard, send } = setup({ PUMPING_MIN_SENDS: '10', PUMPING_MIN_CONVERSION: '0.5' });
      for (let i = 0; i < 10; i++) await send(mts(i));
      for (let i = 0; i < 5; i++) await guard.onApproved({ phone: mts(i), now: T0 });
      await send(mts(10)); // 5/10 is not below 0.5
      for (let i = 0; i < 10; i++) await send(megafon(i));
      for (let i = 0; i < 4; i++) await guard.onApproved({ phone: megafon(i), now: T0 });
      expect((await refusal(send(megafon(10)))).code).toBe('destination_blocked'); // 4/10
    });

    it('never blocks SAFE_NUMBERS, and does not count them', async () => {
      const safe = '+79160000001';
      const { send } = setup({ SAFE_NUMBERS: safe, PUMPING_MIN_SENDS: '5' });
      for (let i = 0; i < 20; i++) await send(phone(safe)); // not counted toward a block
      for (let i = 0; i < 5; i++) await send(mts(i));
      expect((await refusal(send(mts(5)))).code).toBe('destination_blocked');
      await send(phone(safe)); // still allowed in the blocked prefix
    });

    it('lifts the block after PUMPING_BLOCK_SECONDS, with fresh statistics', async () => {
      const { send } = setup({ PUMPING_MIN_SENDS: '5', PUMPING_BLOCK_SECONDS: '600' });
      for (let i = 0; i < 5; i++) await send(mts(i), undefined, T0 + i * SECOND);
      const blockedAt = T0 + 10 * SECOND;
      expect((await refusal(send(mts(5), undefined, blockedAt))).retryAfter).toBe(600);
      const late = await refusal(send(mts(6), undefined, blockedAt + 599 * SECOND));
      expect(late).toMatchObject({ code: 'destination_blocked', retryAfter: 1 });
      const after = blockedAt + 600 * SECOND;
      for (let i = 0; i < 5; i++) await send(mts(10 + i), undefined, after);
      expect((await refusal(send(mts(20), undefined, after))).code).toBe('destination_blocked');
    });

    it('allows exactly PUMPING_MIN_SENDS of 300 parallel sends, with calls interleaving', async () => {
      const store = jittery(openStore());
      const [a, b] = [guardOn(store, {}), guardOn(store, {})];
      const results = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => (i % 2 ? a : b).send(mts(i))));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'destination_blocked' });
      }
      expect(a.log.warn.mock.calls.length + b.log.warn.mock.calls.length).toBe(1);
    });

    it('never takes a concurrent read of the block marker for a block', async () => {
      // Reads of the block marker record nothing: with calls interleaving (even reordering),
      // 40 sends a round never trigger a block.
      const store = jittery(openStore());
      const [a, b] = [guardOn(store, {}), guardOn(store, {})];
      for (let round = 0; round < 6; round++) {
        const results = await Promise.allSettled(
          Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).send(mts(i), undefined, T0 + round * 20 * HOUR)),
        );
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      }
    });
  });

  describe('several instances', () => {
    it('share the IP budget, also under concurrency', async () => {
      const a = setup({ IP_SEND_LIMIT: '10' });
      const b = a.sibling();
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).send(mts(i), '203.0.113.77')),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      expect((await refusal(b.send(mts(200), '203.0.113.77'))).code).toBe('rate_limited');
    });

    it('share the global budget', async () => {
      const a = setup({ GLOBAL_SEND_LIMIT: '10' });
      const b = a.sibling();
      for (let i = 0; i < 10; i++) await (i % 2 ? a : b).send(i % 3 ? mts(i) : megafon(i));
      expect((await refusal(a.send(mts(10)))).code).toBe('rate_limited');
      expect((await refusal(b.send(megafon(10)))).code).toBe('rate_limited');
    });

    it('share the pumping statistics and block', async () => {
      const a = setup({ PUMPING_MIN_SENDS: '4' });
      const b = a.sibling();
      for (let i = 0; i < 4; i++) await (i % 2 ? a : b).send(mts(i));
      expect((await refusal(a.send(mts(4)))).code).toBe('destination_blocked');
      expect((await refusal(b.send(mts(5)))).code).toBe('destination_blocked');
      expect(a.log.warn).toHaveBeenCalledTimes(1);
      expect(b.log.warn).not.toHaveBeenCalled();
      // Approvals recorded by one instance count for the other.
      for (let i = 0; i < 4; i++) await (i % 2 ? a : b).send(megafon(i));
      for (let i = 0; i < 4; i++) await a.guard.onApproved({ phone: megafon(i), now: T0 });
      await b.send(megafon(4));
    });
  });

  if (kind === 'redis') {
    it('puts no phone number and no IP address in key names', async () => {
      const { send, guard } = setup();
      await send(phone('+79161234567'), '203.0.113.9');
      await send(phone('+79161234568'), '2001:db8:aaaa:bbbb::1');
      await guard.onApproved({ phone: phone('+79161234567'), now: T0 });
      const admin = new Redis(url);
      try {
        const keys = await admin.keys(`${space}*`);
        expect(keys.length).toBeGreaterThanOrEqual(3);
        for (const key of keys) {
          expect(key).not.toMatch(/79161234|203\.0\.113|2001:db8|aaaa/);
        }
      } finally {
        admin.disconnect();
      }
    });
  }
});
