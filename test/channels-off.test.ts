import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { makeApp, PRODUCTION_ENV, uniquePhone, type TestApp } from './helpers/app.js';
import { configErrorOf } from './helpers/config-error.js';

// `*_PROVIDER=none` switches a channel off; ordered lists name failover providers; the
// start-up log says what each channel uses and whether the call-back robot can be reached.


describe('provider settings', () => {
  it('reads ordered lists and none', () => {
    const c = loadConfig({ SMS_PROVIDER: 'smstraffic, smsru', FLASH_CALL_PROVIDER: 'none', SMSTRAFFIC_LOGIN: 'l', SMSTRAFFIC_PASSWORD: 'p', SMSRU_API_ID: 'a' });
    expect(c.SMS_PROVIDER).toEqual(['smstraffic', 'smsru']);
    expect(c.FLASH_CALL_PROVIDER).toEqual([]);
    expect(c.VOICE_PROVIDER).toEqual(['console']);
  });

  it('refuses unknown, misplaced or repeated providers, none in a list, and every channel off', () => {
    expect(configErrorOf({ SMS_PROVIDER: 'devino' })).toMatch(/SMS_PROVIDER: unknown provider "devino"/);
    expect(configErrorOf({ SMS_PROVIDER: 'twilio' })).toMatch(/SMS_PROVIDER: unknown provider "twilio"/);
    expect(configErrorOf({ VOICE_PROVIDER: 'smsru' })).toMatch(/VOICE_PROVIDER: unknown provider "smsru"/);
    expect(configErrorOf({ SMS_PROVIDER: 'smsru,smsru', SMSRU_API_ID: 'a' })).toMatch(/SMS_PROVIDER: expected an ordered list/);
    expect(configErrorOf({ SMS_PROVIDER: 'smsru,none', SMSRU_API_ID: 'a' })).toMatch(/SMS_PROVIDER: unknown provider "none"/);
    expect(configErrorOf({ SMS_PROVIDER: 'none', FLASH_CALL_PROVIDER: 'none', VOICE_PROVIDER: 'none' })).toMatch(/at least one channel must be on/);
    expect(configErrorOf({ FLASH_CALL_PROVIDER: 'smsru' })).toMatch(/SMSRU_API_ID: required with the smsru provider/);
  });

  it('production runs SMS-only with the other channels off, but refuses console anywhere in a list', () => {
    const smsOnly = { ...PRODUCTION_ENV, FLASH_CALL_PROVIDER: 'none', VOICE_PROVIDER: 'none' };
    expect(loadConfig(smsOnly).production).toBe(true);
    expect(configErrorOf({ ...smsOnly, SMS_PROVIDER: 'smstraffic,console' })).toMatch(/SMS_PROVIDER: a development default is refused/);
  });
});

describe('a channel that is off', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  it('answers 422 channel_not_available for it, and auto skips it', async () => {
    t = await makeApp({ store: 'embedded', configuredProviders: true, env: { FLASH_CALL_PROVIDER: 'none' } });
    const res = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone(), channel: 'flash_call' } });
    expect([res.statusCode, res.json().code]).toEqual([422, 'channel_not_available']);
    const auto = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone(), channel: 'auto' } })).json();
    expect(auto.attempts.map((a: { channel: string }) => a.channel)).toEqual(['sms']);
  });

  it('logs one start-up line with each channel’s providers in order and the call-back robot’s reach', async () => {
    t = await makeApp({
      store: 'embedded',
      configuredProviders: true,
      env: { SMS_PROVIDER: 'smsru,console', SMSRU_API_ID: 'a', FLASH_CALL_PROVIDER: 'ucaller', UCALLER_SERVICE_ID: '1', UCALLER_KEY: 'k', VOICE_PROVIDER: 'none' },
    });
    const lines = t.logs().split('\n').filter((l) => l.includes('"channel providers"'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line.providers).toEqual({ sms: 'smsru,console', flash_call: 'ucaller', voice: 'none' });
    expect(line.callbackRobot).toMatch(/ucaller: not reachable/);
  });
});
