import { afterEach, describe, expect, it } from 'vitest';
import { AuthFailureThrottle } from '../../src/auth-throttle.js';
import { KEY_ACME, makeApp, type TestApp } from '../helpers/app.js';

// Failed API keys are not free to try (issue 9): a burst per address per minute, then 429.

describe('failed authentications', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it('answers 401 up to AUTH_FAILURE_LIMIT per address, then 429 with Retry-After; logs each without the key; counts them', async () => {
    t = await makeApp({ store: 'embedded', env: { AUTH_FAILURE_LIMIT: '20' } });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 300; i++) {
      last = await t.call({ method: 'GET', url: '/v1/verifications/x', key: `wrong-key-${i}-abcdefghijklmnopqrstuvwxyz` });
      statuses.push(last.statusCode);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    expect(last!.json().code).toBe('rate_limited');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(last!.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Even the right key waits: the address is throttled before any key is looked at.
    expect((await t.call({ method: 'GET', url: '/v1/verifications/x' })).statusCode).toBe(429);
    // Another address is not affected.
    const other = await t.app.inject({ method: 'GET', url: '/v1/verifications/x', remoteAddress: '203.0.113.9', headers: { authorization: `Bearer ${KEY_ACME}` } });
    expect(other.statusCode).toBe(404);

    const failures = t.logs().split('\n').filter((l) => l.includes('"authentication failed"'));
    expect(failures).toHaveLength(20);
    expect(failures[0]).toContain('"clientAddress":"127.0.0.1"');
    expect(t.logs()).not.toContain('wrong-key-');
    const metrics = (await t.call({ method: 'GET', url: '/metrics', key: null })).body;
    expect(metrics).toMatch(/otpgate_auth_failures_total\{result="rejected"\} 20/);
    expect(metrics).toMatch(/otpgate_auth_failures_total\{result="throttled"\} 281/);
  });

  it('counts per minute, IPv6 by /64, IPv4-mapped as IPv4', () => {
    let now = 120_000;
    const th = new AuthFailureThrottle(3, () => now);
    for (let i = 0; i < 3; i++) th.fail(`2001:db8:1:2::${i}`);
    expect(th.retryAfter('2001:db8:1:2:ffff::1')).toBe(60);
    expect(th.retryAfter('2001:db8:1:3::1')).toBe(0);
    th.fail('::ffff:198.51.100.1');
    th.fail('198.51.100.1');
    expect(th.fail('198.51.100.1')).toBe(true);
    now += 30_000;
    expect(th.retryAfter('::ffff:198.51.100.1')).toBe(30);
    now += 30_000;
    expect(th.retryAfter('198.51.100.1')).toBe(0);
    expect(th.retryAfter('2001:db8:1:2::9')).toBe(0);
  });
});
