import { afterEach, describe, expect, it } from 'vitest';
import { KEY_GLOBEX, makeApp, PHONE, PRODUCTION_ENV, uniquePhone, type TestApp } from '../helpers/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';

// Abuse protection through the HTTP API, against real Redis (the guard's own unit tests are
// in test/services/abuse-guard.test.ts).

describe('abuse protection through the API', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  const open = async (env: Record<string, string>, keyPrefix?: string) => {
    const a = await makeApp({ store: 'redis', env, keyPrefix });
    apps.push(a);
    return a;
  };
  const start = (a: TestApp, body: Record<string, unknown>, key?: string) =>
    a.call({ method: 'POST', url: '/v1/verifications', payload: body, key });

  it('100 parallel starts from one IP with a limit of 10: exactly 10 sent', async () => {
    const t = await open({ IP_SEND_LIMIT: '10' });
    const results = await Promise.all(Array.from({ length: 100 }, () => start(t, { to: uniquePhone(), clientIp: '198.51.100.7' })));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(10);
    expect(t.sms.sent).toHaveLength(10);
    for (const r of results.filter((x) => x.statusCode !== 201)) {
      expect(r.statusCode).toBe(429);
      expect(r.json().code).toBe('rate_limited');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(3500);
    }
    // Another IP, and the same user's other IPv6 address in another /64, are unaffected.
    expect((await start(t, { to: uniquePhone(), clientIp: '198.51.100.8' })).statusCode).toBe(201);
  });

  it('groups IPv6 end users by /64', async () => {
    const t = await open({ IP_SEND_LIMIT: '2' });
    expect((await start(t, { to: uniquePhone(), clientIp: '2001:db8:1:2::1' })).statusCode).toBe(201);
    expect((await start(t, { to: uniquePhone(), clientIp: '2001:db8:1:2:ffff::9' })).statusCode).toBe(201);
    expect((await start(t, { to: uniquePhone(), clientIp: '2001:db8:1:2::abcd' })).statusCode).toBe(429);
    expect((await start(t, { to: uniquePhone(), clientIp: '2001:db8:1:3::1' })).statusCode).toBe(201);
    expect((await start(t, { to: uniquePhone(), clientIp: 'not-an-ip' })).json().code).toBe('invalid_request');
  });

  it('blocks a pumped prefix, leaves other prefixes and safe numbers alone', async () => {
    const safe = '+79160000042';
    const t = await open({ PUMPING_MIN_SENDS: '50', PUMPING_MIN_CONVERSION: '0.1', SAFE_NUMBERS: safe, PHONE_SEND_LIMIT: '1000' });
    // Normal traffic on +7903: every other code is confirmed.
    for (let i = 0; i < 60; i++) {
      const v = (await start(t, { to: `+790300${String(i).padStart(5, '0')}` })).json();
      if (i % 2 === 0) await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: t.sms.lastCode() } });
    }
    // The attack on +7916: 300 starts, nobody ever enters a code.
    const statuses = [];
    for (let i = 0; i < 300; i++) statuses.push((await start(t, { to: `+791677${String(i).padStart(5, '0')}` })).statusCode);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    const blocked = await start(t, { to: '+79167799999' });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('destination_blocked');
    expect((await start(t, { to: '+79031234567' })).statusCode).toBe(201);
    expect((await start(t, { to: safe })).statusCode).toBe(201);
    const metrics = (await t.call({ method: 'GET', url: '/metrics', key: null })).body;
    expect(metrics).toMatch(/otpgate_refusals_total\{reason="destination_blocked"\} 251/);
    expect(t.logs()).toContain('pumping guard: destination prefix blocked');
  });

  it('caps sends per hour across all clients with GLOBAL_SEND_LIMIT', async () => {
    const t = await open({ GLOBAL_SEND_LIMIT: '3' });
    for (let i = 0; i < 3; i++) expect((await start(t, { to: uniquePhone() }, i % 2 ? KEY_GLOBEX : undefined)).statusCode).toBe(201);
    const over = await start(t, { to: uniquePhone() }, KEY_GLOBEX);
    expect(over.statusCode).toBe(429);
    expect(over.json().code).toBe('rate_limited');
    // Counted in minute buckets: the wait ends when the oldest send's minute leaves the hour.
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(3540);
    expect(Number(over.headers['retry-after'])).toBeLessThanOrEqual(3600);
    t.clock.advance(3600_000);
    expect((await start(t, { to: uniquePhone() })).statusCode).toBe(201);
  });

  it('refuses countries outside ALLOWED_COUNTRIES', async () => {
    const t = await open({ ALLOWED_COUNTRIES: 'RU' });
    const kz = await start(t, { to: '+77011234567' });
    expect(kz.statusCode).toBe(403);
    expect(kz.json().code).toBe('country_not_allowed');
    expect((await start(t, { to: PHONE })).statusCode).toBe(201);
  });

  it('refuses checks and starts for a number past PHONE_FAILURE_LIMIT wrong codes in 24 h', async () => {
    const t = await open({ PHONE_FAILURE_LIMIT: '3', MAX_CHECK_ATTEMPTS: '2' });
    let v = (await start(t, { to: PHONE })).json();
    const wrong = (c: string) => String((Number(c) + 1) % 1_000_000).padStart(6, '0');
    await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: wrong(t.sms.lastCode()) } });
    await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: wrong(t.sms.lastCode()) } });
    v = (await start(t, { to: PHONE })).json();
    await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: wrong(t.sms.lastCode()) } });
    const check = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: t.sms.lastCode() } });
    expect(check.statusCode).toBe(429);
    expect(check.json().code).toBe('rate_limited');
    // Counted in hour buckets: the wait ends when the oldest wrong code's hour leaves the day.
    expect(Number(check.headers['retry-after'])).toBeGreaterThan(23 * 3600);
    const again = await start(t, { to: PHONE });
    expect(again.statusCode).toBe(429);
    t.clock.advance(24 * 3600_000);
    expect((await start(t, { to: PHONE })).statusCode).toBe(201);
  });

  it('counts 12 spellings of one number as one number: send limit, cooldown and failure limit', async () => {
    const spellings = [
      '+79161234567', '89161234567', '8 916 123-45-67', '+7 (916) 123-45-67', '+7-916-123-45-67', '8(916)1234567',
      '+7 916 1234567', '9161234567', '+7.916.123.45.67', '8-916-123-4567', '(916) 123 45 67', '79161234567',
    ];
    const limited = await open({ PHONE_SEND_LIMIT: '1' });
    expect((await start(limited, { to: spellings[0] })).statusCode).toBe(201);
    for (const to of spellings.slice(1)) {
      const r = await start(limited, { to });
      expect([to, r.statusCode, r.json().code]).toEqual([to, 429, 'rate_limited']);
    }
    const cooled = await open({ RESEND_COOLDOWN_SECONDS: '30' });
    expect((await start(cooled, { to: spellings[0] })).statusCode).toBe(201);
    for (const to of spellings.slice(1)) expect([to, (await start(cooled, { to })).json().code]).toEqual([to, 'resend_too_soon']);
    // Checks by number, each spelled another way, find the one verification and share its failures.
    const failing = await open({ PHONE_FAILURE_LIMIT: '11', MAX_CHECK_ATTEMPTS: '20' });
    expect((await start(failing, { to: spellings[0] })).statusCode).toBe(201);
    const code = failing.sms.lastCode();
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (const to of spellings.slice(1)) {
      const r = await failing.call({ method: 'POST', url: '/v1/verifications/check', payload: { to, code: wrong } });
      expect([to, r.statusCode]).toEqual([to, 200]);
    }
    const right = await failing.call({ method: 'POST', url: '/v1/verifications/check', payload: { to: spellings[0], code } });
    expect([right.statusCode, right.json().code]).toEqual([429, 'rate_limited']);
  });

  it('ignores X-Forwarded-For: the end user is the body\'s clientIp, the caller the socket', async () => {
    const t = await open({ IP_SEND_LIMIT: '1', AUTH_FAILURE_LIMIT: '3' });
    const forwarded = (ip: string) => ({ 'x-forwarded-for': ip, forwarded: `for=${ip}`, 'x-real-ip': ip });
    const as = (clientIp: string, xff: string) =>
      t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone(), clientIp }, headers: forwarded(xff) });
    expect((await as('198.51.100.1', '203.0.113.1')).statusCode).toBe(201);
    // Another forwarded address does not make the same end user a new one ...
    expect((await as('198.51.100.1', '203.0.113.2')).statusCode).toBe(429);
    // ... nor does naming a used one make another end user that one.
    expect((await as('198.51.100.2', '198.51.100.1')).statusCode).toBe(201);
    // Failed keys are throttled per socket address, whatever the headers claim.
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const r = await t.call({ method: 'GET', url: '/v1/verifications/x', key: `wrong-key-${i}-abcdefghijklmnopqrstuvwxyz`, headers: forwarded(`203.0.113.${10 + i}`) });
      statuses.push(r.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it('limits requests per API client, not per socket', async () => {
    const t = await open({ CLIENT_RATE_LIMIT: '5' });
    for (let i = 0; i < 5; i++) {
      const res = await t.call({ method: 'GET', url: '/v1/verifications/nope' });
      expect(res.statusCode).toBe(404);
      expect(res.headers).toMatchObject({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': String(4 - i) });
      expect(Number(res.headers['x-ratelimit-reset'])).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers['x-ratelimit-reset'])).toBeLessThanOrEqual(60);
    }
    const over = await t.call({ method: 'GET', url: '/v1/verifications/nope' });
    expect(over.statusCode).toBe(429);
    expect(over.json().code).toBe('rate_limited');
    expect(over.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // Same socket address, other client: its own budget.
    expect((await t.call({ method: 'GET', url: '/v1/verifications/nope', key: KEY_GLOBEX })).statusCode).toBe(404);
  });

  it('shares every limit between two instances on one Redis', async () => {
    const prefix = `twins-limits-${Date.now()}:`;
    const env = { IP_SEND_LIMIT: '4', CLIENT_RATE_LIMIT: '1000' };
    const a = await open(env, prefix);
    const b = await open(env, prefix);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => start(i % 2 ? a : b, { to: uniquePhone(), clientIp: '203.0.113.5' })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(4);
    // The per-phone cooldown too.
    const c = await open({ RESEND_COOLDOWN_SECONDS: '30' }, prefix);
    const d = await open({ RESEND_COOLDOWN_SECONDS: '30' }, prefix);
    expect((await start(c, { to: '+79035550101' })).statusCode).toBe(201);
    expect((await start(d, { to: '+79035550101' })).json().code).toBe('resend_too_soon');
  });

  describe('test numbers', () => {
    it('get their fixed code with no provider call and no limits', async () => {
      const t = await open({ TEST_NUMBERS: '+79990000001:123456', RESEND_COOLDOWN_SECONDS: '30', PHONE_SEND_LIMIT: '1', IP_SEND_LIMIT: '1' });
      for (let i = 0; i < 3; i++) {
        const res = await start(t, { to: '+79990000001', clientIp: '192.0.2.1' });
        expect(res.statusCode).toBe(201);
        expect(res.json().attempts[0]).toMatchObject({ provider: 'test', status: 'sent' });
      }
      const v = (await start(t, { to: '+79990000001' })).json();
      expect((await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: '654321' } })).json().valid).toBe(false);
      expect((await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: '123456' } })).json().valid).toBe(true);
      expect(t.sms.sent).toHaveLength(0);
      // An ordinary number still gets the limits.
      expect((await start(t, { to: PHONE, clientIp: '192.0.2.1' })).statusCode).toBe(201);
      expect((await start(t, { to: uniquePhone(), clientIp: '192.0.2.1' })).statusCode).toBe(429);
    });

    it('are refused in production unless ALLOW_TEST_NUMBERS=true', () => {
      const prod = { ...PRODUCTION_ENV, TEST_NUMBERS: '+79990000001:123456' };
      expect(() => loadConfig(prod)).toThrow(ConfigError);
      expect(loadConfig({ ...prod, ALLOW_TEST_NUMBERS: 'true' }).TEST_NUMBERS).toHaveLength(1);
    });
  });
});
