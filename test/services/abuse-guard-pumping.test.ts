import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { guardFixture, HOUR, jittery, megafon, mts, phone, refusal, SECOND, T0, url } from '../helpers/abuse-guard.js';

// The pumping guard, and several instances sharing every budget, against both stores.

describe.each(['embedded', 'redis'] as const)('AbuseGuard on the %s store', (kind) => {
  const { openStore, guardOn, setup, space } = guardFixture(kind);

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
        const keys = await admin.keys(`${space()}*`);
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
