import { describe, expect, it } from 'vitest';
import { ipBudgetKey } from '../../src/services/abuse-guard.js';
import { guardFixture, HOUR, megafon, mts, phone, refusal, SECOND, T0 } from '../helpers/abuse-guard.js';

// The guard's budgets against both stores: countries, per end-user IP, global, and giving back
// what a send did not use. The pumping guard and several instances: abuse-guard-pumping.test.ts.

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
  const { setup } = guardFixture(kind);

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
});
