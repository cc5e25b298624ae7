import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { configErrorOf } from '../helpers/config-error.js';

// PRICE_<CHANNEL>_<PROVIDER> and PRICE_CURRENCY (issue 13): what the spend counter multiplies.


describe('prices', () => {
  it('reads one price per channel and provider, a two-word channel included, and the currency', () => {
    const c = loadConfig({ PRICE_SMS_SMSTRAFFIC: '3.2', PRICE_FLASH_CALL_UCALLER: '0.45', PRICE_VOICE_TWILIO: '9', PRICE_CURRENCY: 'EUR' });
    expect(c.prices).toEqual({ sms: { smstraffic: 3.2 }, flash_call: { ucaller: 0.45 }, voice: { twilio: 9 } });
    expect(c.PRICE_CURRENCY).toBe('EUR');
    expect(loadConfig({}).PRICE_CURRENCY).toBe('RUB');
  });

  it('stops the start-up naming a bad price, an unknown channel or a bad currency', () => {
    expect(configErrorOf({ PRICE_SMS_SMSTRAFFIC: 'cheap' })).toContain('PRICE_SMS_SMSTRAFFIC');
    expect(configErrorOf({ PRICE_SMS_SMSRU: '-1' })).toContain('PRICE_SMS_SMSRU');
    expect(configErrorOf({ PRICE_TELEGRAM_BOT: '1' })).toContain('PRICE_TELEGRAM_BOT');
    expect(configErrorOf({ PRICE_CURRENCY: 'rubles' })).toContain('PRICE_CURRENCY');
  });
});
