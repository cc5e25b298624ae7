import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { envSchema, loadConfig } from '../src/config.js';
import { PRODUCTION_ENV } from './helpers/app.js';
import { configErrorOf } from './helpers/config-error.js';


describe('configuration', () => {
  it('comes up on embedded defaults with no settings', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 3000,
      HOST: '0.0.0.0',
      CODE_LENGTH: 6,
      CODE_TTL_SECONDS: 600,
      MAX_CHECK_ATTEMPTS: 5,
      MAX_SENDS: 5,
      RESEND_COOLDOWN_SECONDS: 30,
      DEFAULT_CHANNEL: 'sms',
      DEFAULT_LOCALE: 'ru',
      DEFAULT_COUNTRY: 'RU',
      FLASH_CALL_TTL_SECONDS: 120,
      FLASH_CALL_MAX_CHECK_ATTEMPTS: 3,
      SMSTRAFFIC_ORIGINATOR: 'Originator',
      SMS_PROVIDER: ['console'],
      production: false,
    });
    expect(c.AUTO_WORKFLOW).toEqual([
      { channel: 'flash_call', seconds: 30 },
      { channel: 'sms', seconds: 60 },
      { channel: 'voice', seconds: 0 },
    ]);
    expect(c.CODE_HMAC_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(c.devDefaults).toEqual(expect.arrayContaining(['REDIS_URL', 'API_KEYS', 'CODE_HMAC_SECRET', 'SMS_PROVIDER']));
  });

  it('names the variable and the problem for a bad value', () => {
    expect(configErrorOf({ CODE_LENGTH: '3' })).toMatch(/CODE_LENGTH: .*(>=|greater|too small)/i);
    expect(configErrorOf({ CODE_TTL_SECONDS: 'ten' })).toMatch(/CODE_TTL_SECONDS/);
    expect(configErrorOf({ REDIS_URL: 'http://x' })).toMatch(/REDIS_URL: must start with redis:\/\/ or rediss:\/\//);
    expect(configErrorOf({ API_KEYS: 'nocolon' })).toMatch(/API_KEYS/);
    expect(configErrorOf({ CODE_HMAC_SECRET: 'short' })).toMatch(/CODE_HMAC_SECRET: must be at least 32 bytes/);
    expect(configErrorOf({ AUTO_WORKFLOW: 'flash_call:30,fax:10,voice' })).toMatch(/AUTO_WORKFLOW: unknown channel "fax"/);
    expect(configErrorOf({ DEFAULT_CHANNEL: 'pigeon' })).toMatch(/DEFAULT_CHANNEL/);
    expect(configErrorOf({ SMS_PROVIDER: 'smstraffic' })).toMatch(/SMSTRAFFIC_LOGIN: required/);
  });

  it('refuses every development default in production', () => {
    const msg = configErrorOf({ NODE_ENV: 'production' });
    for (const v of ['REDIS_URL', 'API_KEYS', 'CODE_HMAC_SECRET', 'CALLBACK_TOKEN', 'SMS_PROVIDER', 'FLASH_CALL_PROVIDER', 'VOICE_PROVIDER']) {
      expect(msg).toContain(`${v}: a development default is refused`);
    }
  });

  it('accepts a complete production configuration', () => {
    const c = loadConfig(PRODUCTION_ENV);
    expect(c.production).toBe(true);
    expect(c.API_KEYS).toEqual([{ client: 'shop', secret: '0123456789abcdef0123456789abcdef' }]);
  });

  it('refuses test numbers in production unless ALLOW_TEST_NUMBERS=true', () => {
    expect(configErrorOf({ ...PRODUCTION_ENV, TEST_NUMBERS: '+79990000001:123456' })).toMatch(/TEST_NUMBERS/);
    const c = loadConfig({ ...PRODUCTION_ENV, TEST_NUMBERS: '+79990000001:123456', ALLOW_TEST_NUMBERS: 'true' });
    expect(c.TEST_NUMBERS).toEqual([['+79990000001', '123456']]);
  });

  it('refuses API key secrets under 32 characters in production only', () => {
    expect(configErrorOf({ ...PRODUCTION_ENV, API_KEYS: `shop:${'a'.repeat(32)},pos:${'b'.repeat(31)}` })).toMatch(/API_KEYS: the secret of client "pos" has fewer than 32/);
    expect(loadConfig({ ...PRODUCTION_ENV, API_KEYS: `shop:${'a'.repeat(32)}` }).API_KEYS).toHaveLength(1);
    expect(loadConfig({ API_KEYS: 'shop:short-secret' }).API_KEYS).toHaveLength(1);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it('documents every setting in .env.example and docs/configuration.md', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const docs = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    for (const key of Object.keys(envSchema.shape)) {
      expect(example, key).toMatch(new RegExp(`^#?\\s*${key}=`, 'm'));
      expect(docs, key).toContain(`\`${key}\``);
    }
  });
});
