import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

// PRICE_<CHANNEL>_<PROVIDER> and PRICE_CURRENCY (issue 13): what the spend counter multiplies.

const errorOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('prices', () => {
  it('reads one price per channel and provider, a two-word channel included, and the currency', () => {
    const c = loadConfig({ PRICE_SMS_SMSTRAFFIC: '3.2', PRICE_FLASH_CALL_UCALLER: '0.45', PRICE_VOICE_TWILIO: '9', PRICE_CURRENCY: 'EUR' });
    expect(c.prices).toEqual({ sms: { smstraffic: 3.2 }, flash_call: { ucaller: 0.45 }, voice: { twilio: 9 } });
    expect(c.PRICE_CURRENCY).toBe('EUR');
    expect(loadConfig({}).PRICE_CURRENCY).toBe('RUB');
  });

  it('stops the start-up naming a bad price, an unknown channel or a bad currency', () => {
    expect(errorOf({ PRICE_SMS_SMSTRAFFIC: 'cheap' })).toContain('PRICE_SMS_SMSTRAFFIC');
    expect(errorOf({ PRICE_SMS_SMSRU: '-1' })).toContain('PRICE_SMS_SMSRU');
    expect(errorOf({ PRICE_TELEGRAM_BOT: '1' })).toContain('PRICE_TELEGRAM_BOT');
    expect(errorOf({ PRICE_CURRENCY: 'rubles' })).toContain('PRICE_CURRENCY');
  });
});
