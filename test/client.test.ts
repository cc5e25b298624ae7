import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOtpgateClient, type OtpgateClient } from '../client/src/index.js';
import { KEY_ACME, makeApp, uniquePhone, type TestApp } from './helpers/app.js';

// The typed client (client/) against the service listening on a real port.

describe('client/', () => {
  let t: TestApp;
  let baseUrl: string;
  let client: OtpgateClient;
  beforeAll(async () => {
    t = await makeApp({ store: 'embedded', env: { RESEND_COOLDOWN_SECONDS: '30' } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    client = createOtpgateClient({ baseUrl, apiKey: KEY_ACME });
  });
  afterAll(() => t.close());

  it('starts, checks a wrong then the right code, reads', async () => {
    const to = uniquePhone();
    const started = await client.start({ to, locale: 'en', metadata: { userId: 'u1' } });
    if (!started.ok) throw new Error(started.error.code);
    expect(started.status).toBe(201);
    expect(started.data).toMatchObject({ to, status: 'pending', channel: 'sms', metadata: { userId: 'u1' } });

    const wrong = await client.check({ id: started.data.id, code: t.sms.lastCode() === '000000' ? '111111' : '000000' });
    expect(wrong).toMatchObject({ ok: true, data: { valid: false, status: 'pending', checksRemaining: 4 } });
    const right = await client.check({ to, code: t.sms.lastCode() });
    expect(right).toMatchObject({ ok: true, data: { valid: true, status: 'approved' } });

    const read = await client.get(started.data.id);
    expect(read.ok && read.data.status).toBe('approved');
  });

  it('returns refusals as problems typed on code, with Retry-After', async () => {
    const to = uniquePhone();
    const first = await client.start({ to });
    expect(first.ok).toBe(true);
    const again = await client.start({ to });
    expect(again.ok).toBe(false);
    if (again.ok) return;
    expect(again.status).toBe(429);
    expect(again.error.code).toBe('resend_too_soon');
    expect(again.retryAfter).toBeGreaterThan(0);
    // @ts-expect-error a typo is not one of the start's codes
    expect(again.error.code === 'resend_too_sooon').toBe(false);

    const resend = await client.resend(first.ok ? first.data.id : '', { channel: 'voice' });
    expect(!resend.ok && resend.error.code).toBe('resend_too_soon');

    const missing = await client.get('vf_never_issued');
    expect(!missing.ok && missing.error.code).toBe('verification_not_found');

    const canceled = await client.cancel(first.ok ? first.data.id : '');
    expect(canceled.ok && canceled.data.status).toBe('canceled');
    const twice = await client.cancel(first.ok ? first.data.id : '');
    expect(!twice.ok && twice.error).toMatchObject({ code: 'verification_not_pending', verificationStatus: 'canceled' });

    const stranger = await createOtpgateClient({ baseUrl, apiKey: 'not-a-key-000' }).get('vf_x');
    expect(!stranger.ok && stranger.error.code).toBe('unauthorized');
  });

  it('retries a start whose answer was lost under one Idempotency-Key: one send, one verification', async () => {
    const sentBefore = t.sms.sent.length;
    const keys: (string | null)[] = [];
    let lose = 1;
    const flaky = createOtpgateClient({
      baseUrl,
      apiKey: KEY_ACME,
      fetch: async (req) => {
        keys.push(req.headers.get('idempotency-key'));
        const res = await fetch(req);
        // The service answered, but the answer never reaches the caller.
        if (lose-- > 0) throw new TypeError('fetch failed');
        return res;
      },
    });
    const to = uniquePhone();
    const r = await flaky.start({ to }, { retryDelayMs: 10 });
    expect(r.ok).toBe(true);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(t.sms.sent.length - sentBefore).toBe(1);
  });

  it('gives up after its retries and throws the network error', async () => {
    const down = createOtpgateClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 500 });
    await expect(down.start({ to: uniquePhone() }, { retries: 1, retryDelayMs: 10 })).rejects.toThrow();
  });
});
