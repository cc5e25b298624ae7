import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { codeHmac, parseId } from '../../src/codes.js';
import { readDoc } from '../helpers/redis-doc.js';
import { testConfig } from '../../src/config.js';
import { startFakeSmsTraffic, type FakeSmsTraffic } from '../fakes/smstraffic.js';
import { KEY_ACME, makeApp, PHONE, type TestApp } from '../helpers/app.js';

// Nothing secret in logs or in Redis key names: codes, full phone numbers, API keys,
// provider passwords and the callback token never appear in the log stream.

const SECRET = testConfig().CODE_HMAC_SECRET;

describe('secrets stay out of logs and Redis', () => {
  let t: TestApp;
  let fake: FakeSmsTraffic;
  afterEach(async () => {
    await t?.close();
    await fake?.close();
  });

  it('logs no code, phone number, API key, provider password or callback token through a full lifecycle', async () => {
    fake = await startFakeSmsTraffic({ login: 'acme', password: 'provider-password-123' });
    const callbackToken = 'callback-token-abcdefghijklmnop';
    t = await makeApp({
      store: 'redis',
      configuredProviders: true,
      env: {
        LOG_LEVEL: 'trace',
        SMS_PROVIDER: 'smstraffic',
        SMSTRAFFIC_URL: fake.url,
        SMSTRAFFIC_RESERVE_URL: fake.url,
        SMSTRAFFIC_LOGIN: 'acme',
        SMSTRAFFIC_PASSWORD: 'provider-password-123',
        CALLBACK_TOKEN: callbackToken,
        MAX_CHECK_ATTEMPTS: '2',
      },
    });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, clientIp: '203.0.113.7' } })).json();
    const code = fake.lastCode(PHONE)!;
    expect(code).toMatch(/^\d{6}$/);
    await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { to: PHONE, code: code === '000000' ? '000001' : '000000' } });
    await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/resend` });
    const code2 = fake.lastCode(PHONE)!;
    await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: code2 } });
    await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` });
    await t.call({ method: 'POST', url: `/v1/callbacks/smstraffic/${callbackToken}`, payload: 'sms_id=1&status=Delivered', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    // A provider account error is logged loudly: still without the password.
    fake.setMode('error:411');
    await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: '+79031234567' } });
    // A wrong API key is logged as a 401, without the key.
    await t.call({ method: 'GET', url: `/v1/verifications/${v.id}`, key: 'wrong-key-0123456789' });

    const logs = t.logs();
    expect(logs.length).toBeGreaterThan(500);
    expect(logs).toContain('+7916***4567'); // masked numbers are fine
    for (const secret of [code, code2, PHONE, PHONE.slice(1), '79031234567', KEY_ACME, 'wrong-key-0123456789', 'provider-password-123', callbackToken, SECRET]) {
      expect(logs, `"${secret}" appears in the logs`).not.toContain(secret);
    }
    expect(logs.toLowerCase()).not.toContain('authorization');
  });

  it('keeps no code in clear in Redis and no phone number in key names', async () => {
    const prefix = `secrets-${Date.now()}:`;
    t = await makeApp({ store: 'redis', keyPrefix: prefix });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, metadata: { note: 'x' } } })).json();
    const code = t.sms.lastCode();
    const redis = new Redis(inject('redisUrl'));
    try {
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThanOrEqual(1);
      for (const key of keys) {
        expect(key).not.toContain(PHONE.slice(1));
        expect(key).not.toContain(PHONE.slice(2));
        expect(key).not.toContain(code);
      }
      const token = new RegExp(`(?<![0-9A-Za-z_-])${code}(?![0-9A-Za-z_-])`);
      for (const key of keys) {
        const type = await redis.type(key);
        const values =
          type === 'hash'
            ? Object.values(await redis.hgetall(key))
            : type === 'zset'
              ? await redis.zrange(key, 0, -1)
              : [key.endsWith(`:${parseId(SECRET, v.id)!.tag}`) ? JSON.stringify(await readDoc(redis, key)) : await redis.get(key)];
        for (const value of values) expect(value ?? '', `${key} holds the code`).not.toMatch(token);
      }
      // The phone's document, found from the id alone; it holds the code's HMAC only.
      const { tag, nonce } = parseId(SECRET, v.id)!;
      const docKey = keys.find((k) => k.endsWith(`:${tag}`))!;
      const record = () => readDoc(redis, docKey).then((doc) => doc.v[nonce]);
      expect((await record()).h).toBe(codeHmac(SECRET, v.id, code));
      // Approved: the code material is gone.
      await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code } });
      const ended = await record();
      expect(ended.s).toBe('a');
      expect(ended.h).toBeUndefined();
      expect(await redis.pttl(docKey)).toBeLessThanOrEqual(24 * 3600 * 1000 + 600_000);
    } finally {
      redis.disconnect();
    }
  });
});
