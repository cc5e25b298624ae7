import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { newVerificationId, phoneTag } from '../../src/codes.js';
import { testConfig } from '../../src/config.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { rulesFromConfig, type NewVerification } from '../../src/store/types.js';

// The rules are written into the scripts' text (redis-store.ts): two stores with other rules on
// one connection must each keep their own, and nothing but a number may get into a script.

const SECRET = 's';
const now = 1_800_000_000_000;

function verification(e164: string): NewVerification {
  return {
    id: newVerificationId(SECRET, phoneTag(SECRET, e164)),
    clientId: 'c',
    to: e164,
    channel: 'sms',
    requestedChannel: 'sms',
    provider: 'console',
    locale: 'en',
    codeLength: 6,
    baseCodeLength: 6,
    ttlMs: 600_000,
    expiresAt: now + 600_000,
    metadata: {},
    unlimited: false,
  };
}

/** Starts to one number a store's rules allow in a row before its send limit refuses one. */
async function startsAllowed(store: RedisStore, e164: string) {
  for (let n = 0; n < 10; n++) {
    const res = await store.create(verification(e164), now + n);
    if (!res.ok) return n;
  }
  return Infinity;
}

describe('the rules written into the verification scripts', () => {
  it('stay each store’s own when stores with other rules share one connection', async () => {
    const client = new Redis(inject('redisUrl'));
    const prefix = `rules-${randomBytes(4).toString('hex')}:`;
    const rules = (limit: string) => rulesFromConfig(testConfig({ PHONE_SEND_LIMIT: limit, RESEND_COOLDOWN_SECONDS: '0' }));
    const two = new RedisStore(client, SECRET, rules('2'), prefix);
    const four = new RedisStore(client, SECRET, rules('4'), prefix);
    try {
      // Interleaved, after both defined their scripts: neither overwrote the other's.
      expect(await startsAllowed(two, '+79161110001')).toBe(2);
      expect(await startsAllowed(four, '+79161110002')).toBe(4);
      expect(await startsAllowed(two, '+79161110003')).toBe(2);
    } finally {
      client.disconnect();
    }
  });

  it('refuses a rule that is not a finite number before any script is made', () => {
    const rules = { ...rulesFromConfig(testConfig()), maxChecks: Number.NaN };
    expect(() => new RedisStore(new Redis({ lazyConnect: true }), SECRET, rules)).toThrow(/maxChecks/);
    const text = { ...rulesFromConfig(testConfig()), cooldownMs: "0 redis.call('FLUSHALL')" as unknown as number };
    expect(() => new RedisStore(new Redis({ lazyConnect: true }), SECRET, text)).toThrow(/cooldownMs/);
  });
});
