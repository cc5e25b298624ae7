import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ConfigError, loadConfig } from '../../src/config.js';
import { BlockedAddressError, isPublicAddress, safeAgent } from '../../src/webhooks/agent.js';
import { endpointFor } from '../../src/webhooks/settings.js';
import { Signer } from '../../src/webhooks/signer.js';
import { Webhook } from 'standardwebhooks';
import { PRODUCTION_ENV } from '../helpers/app.js';
import { startReceiver, TEST_WEBHOOK_SECRET, type Receiver } from '../fakes/webhook-receiver.js';
import { sleep } from '../helpers/webhooks.js';

// The webhook client's guards: settings, signatures with two secrets, the address check at
// connect time and the bounded pool, each against a real socket.

const SECOND = `whsec_${Buffer.from('another-webhook-secret-for-rotation!!').toString('base64')}`;
const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return '';
};

describe('webhook settings', () => {
  it('parses endpoints per client, one or two secrets and the retry schedule', () => {
    const c = loadConfig({ WEBHOOKS: 'acme=https://a.example/h,globex=http://b.example/h', WEBHOOK_URL: 'https://all.example/h', WEBHOOK_SECRETS: `${TEST_WEBHOOK_SECRET},${SECOND}`, WEBHOOK_RETRY_SCHEDULE: '5s,2m,1h' });
    expect(endpointFor(c, 'acme')).toBe('https://a.example/h');
    expect(endpointFor(c, 'other')).toBe('https://all.example/h');
    expect(c.WEBHOOK_SECRETS).toHaveLength(2);
    expect(c.WEBHOOK_RETRY_SCHEDULE).toEqual([5000, 120_000, 3_600_000]);
    expect(loadConfig({}).WEBHOOK_RETRY_SCHEDULE).toEqual([5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 28800].map((s) => s * 1000));
    expect(loadConfig({}).WEBHOOK_ALLOW_PRIVATE).toBe(false);
  });

  it('refuses bad values, three secrets, and http or a missing secret in production', () => {
    expect(problemsOf({ WEBHOOKS: 'acme' })).toMatch(/WEBHOOKS/);
    expect(problemsOf({ WEBHOOK_URL: 'ftp://x' })).toMatch(/WEBHOOK_URL/);
    expect(problemsOf({ WEBHOOK_SECRETS: 'plain' })).toMatch(/WEBHOOK_SECRETS/);
    expect(problemsOf({ WEBHOOK_SECRETS: [TEST_WEBHOOK_SECRET, SECOND, SECOND].join(',') })).toMatch(/WEBHOOK_SECRETS/);
    expect(problemsOf({ WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toMatch(/WEBHOOK_RETRY_SCHEDULE/);
    expect(problemsOf({ ...PRODUCTION_ENV, WEBHOOK_URL: 'http://hooks.example/h', WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET })).toMatch(/https/);
    expect(problemsOf({ ...PRODUCTION_ENV, WEBHOOK_URL: 'https://hooks.example/h' })).toMatch(/WEBHOOK_SECRETS: a development default is refused/);
    expect(problemsOf({ ...PRODUCTION_ENV, WEBHOOK_URL: 'https://hooks.example/h', WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET })).toBe('');
    expect(problemsOf({ WEBHOOK_URL: 'http://localhost:8080/h' })).toBe('');
  });
});

describe('webhook signatures', () => {
  it('signs with both secrets during a rotation, so a receiver on either verifies', () => {
    const body = JSON.stringify({ type: 'verification.started', id: 'evt_1' });
    const headers = new Signer([TEST_WEBHOOK_SECRET, SECOND]).headers('evt_1', body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const s of [TEST_WEBHOOK_SECRET, SECOND]) expect(() => new Webhook(s).verify(body, headers)).not.toThrow();
    const other = `whsec_${Buffer.from('a-third-secret-nobody-uses-here!!').toString('base64')}`;
    expect(() => new Webhook(other).verify(body, headers)).toThrow();
  });
});

describe('webhook HTTP client', () => {
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('knows public from private, loopback, link-local and mapped addresses', () => {
    for (const a of ['8.8.8.8', '2a00:1450:4001::1']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fe80::1', 'fc00::1', '::ffff:127.0.0.1', '0.0.0.0', '100.64.0.1']) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });

  it('refuses to connect to a loopback address unless allowed, by IP and by name', async () => {
    receiver = await startReceiver(TEST_WEBHOOK_SECRET);
    const strict = safeAgent({ allowPrivate: false });
    for (const url of [receiver.url, receiver.url.replace('127.0.0.1', 'localhost')]) {
      const err = await request(url, { method: 'POST', body: '{}', dispatcher: strict }).catch((e) => e);
      expect(err, url).toBeInstanceOf(BlockedAddressError);
    }
    expect(receiver.hooks).toHaveLength(0);
    const open = safeAgent({ allowPrivate: true });
    const res = await request(receiver.url, { method: 'POST', body: '{}', dispatcher: open });
    await res.body.dump();
    expect(res.statusCode).toBe(204);
    await Promise.all([strict.close(), open.close()]);
  });

  it('holds at most the configured number of sockets to a slow receiver', async () => {
    receiver = await startReceiver(TEST_WEBHOOK_SECRET, () => 'hang');
    const agent = safeAgent({ allowPrivate: true, connections: 2 });
    const pending = Array.from({ length: 6 }, () =>
      request(receiver!.url, { method: 'POST', body: '{}', dispatcher: agent, signal: AbortSignal.timeout(800) }).catch(() => undefined),
    );
    await sleep(400);
    expect(receiver.sockets()).toBeLessThanOrEqual(2);
    expect(receiver.hooks.length).toBeLessThanOrEqual(2);
    await Promise.all(pending);
    await agent.destroy();
  });
});

describe('webhook retry delays', () => {
  it('follow the schedule with ±10% jitter, the last delay repeating past its end', async () => {
    const { Attempts } = await import('../../src/webhooks/attempts.js');
    const a = new Attempts({ sender: {} as never, schedule: [5000, 30_000], metrics: {} as never });
    expect(a.max).toBe(3);
    const d0 = Array.from({ length: 200 }, () => a.delay(0));
    expect(Math.min(...d0)).toBeGreaterThanOrEqual(4500);
    expect(Math.max(...d0)).toBeLessThanOrEqual(5500);
    expect(new Set(d0).size).toBeGreaterThan(50); // jittered, not one value
    expect(a.delay(5)).toBeGreaterThanOrEqual(27_000);
  });
});
