import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOCALES, testConfig } from '../../src/config.js';
import { smsTrafficFromConfig } from '../../src/channels/smstraffic.js';
import { smsParts } from '../fakes/smstraffic.js';
import { appErrorOf, capturingLog, PHONE } from '../helpers/adapters.js';
import { PASSWORD, smsTrafficFixture } from '../helpers/smstraffic.js';

// The SMS Traffic adapter's send to the main host. Failover to the reserve host, status queries
// and delivery reports: smstraffic-failover.test.ts.

const hosts = smsTrafficFixture();
const { provider, request } = hosts;

describe('SmsTrafficProvider.send', () => {
  it('posts the documented form and returns the 20-digit sms_id exactly, as a string', async () => {
    const result = await provider().send(request());

    expect(hosts.main.received).toHaveLength(1);
    const { form, headers, method } = hosts.main.received[0];
    expect(method).toBe('POST');
    expect(headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(form).toMatchObject({
      login: 'acme',
      password: PASSWORD,
      phones: '79161234567',
      originator: 'Otpgate',
      rus: '5',
      want_sms_ids: '1',
    });
    expect(form.message).toContain('123456');

    expect(result.status).toBe('queued');
    expect(result.providerRef).toMatch(/^\d{20}$/);
    expect(result.providerRef).toBe(hosts.main.messages[0].smsId);
    // A number could not hold it: the id survives only as a string.
    expect(BigInt(result.providerRef) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(String(Number(result.providerRef))).not.toBe(result.providerRef);
    expect(hosts.reserve.received).toHaveLength(0);
  });

  it('uses the requested sender as originator', async () => {
    await provider().send(request({ sender: 'ACME' }));
    expect(hosts.main.received[0].form.originator).toBe('ACME');
  });

  for (const locale of LOCALES) {
    for (const code of ['123456', '9876543210']) {
      it(`${locale}: the text carries a ${code.length}-digit code and fits one SMS part`, async () => {
        await provider().send(request({ locale, code }));
        const text = hosts.main.received[0].form.message;
        expect(text).toContain(code);
        expect(hosts.main.lastCode(PHONE)).toBe(code);
        // rus=5 sends every text as UCS-2: 70 UTF-16 units for one part, whatever the script.
        expect(text.length).toBeLessThanOrEqual(70);
        expect(smsParts(text, '5')).toBe(1);
        expect(hosts.main.messages[0].parts).toBe(1);
      });
    }
  }

  it('maps a number SMS Traffic rejects to invalid_phone_number', async () => {
    expect((await appErrorOf(provider().send(request({ to: '+7916123' })))).code).toBe('invalid_phone_number'); // 425
    expect((await appErrorOf(provider().send(request({ to: '+7916123456789012' })))).code).toBe('invalid_phone_number'); // 426
    hosts.main.setMode('error:432');
    expect((await appErrorOf(provider().send(request()))).code).toBe('invalid_phone_number');
    expect(hosts.reserve.received).toHaveLength(0);
  });

  it('maps a wrong password (411) to provider_error and logs it for the operator without secrets', async () => {
    const { log, lines } = capturingLog();
    const err = await appErrorOf(provider({ password: 'wrong-password-xyz', log }).send(request()));
    expect(err.code).toBe('provider_error');
    expect(hosts.main.received.at(-1)?.form.password).toBe('wrong-password-xyz');

    // time and pid are numbers that could contain any digits by chance: leave them out.
    const logged = lines.map((l) => JSON.stringify({ ...JSON.parse(l), time: 0, pid: 0 })).join('\n');
    const errors = lines.map((l) => JSON.parse(l) as { level: number; providerCode?: number }).filter((l) => l.level >= 50);
    expect(errors.some((l) => l.providerCode === 411)).toBe(true);
    expect(logged).not.toContain('wrong-password-xyz');
    expect(logged).not.toContain('79161234567');
    expect(logged).not.toContain('123456');
    expect(logged).not.toContain('Код подтверждения');
    expect(hosts.reserve.received).toHaveLength(0);
  });

  it('maps a missing login (401) and account errors to provider_error', async () => {
    expect((await appErrorOf(provider({ login: '' }).send(request()))).code).toBe('provider_error');
    expect(hosts.main.received[0].form.login).toBe('');
    hosts.main.setMode('error:415');
    expect((await appErrorOf(provider().send(request()))).code).toBe('provider_error');
  });

  it('maps an undocumented error code to provider_error at warn level', async () => {
    const { log, lines } = capturingLog();
    hosts.main.setMode('error:999');
    expect((await appErrorOf(provider({ log }).send(request()))).code).toBe('provider_error');
    const levels = lines.map((l) => (JSON.parse(l) as { level: number }).level);
    expect(levels).toContain(40);
    expect(levels.every((l) => l < 50)).toBe(true);
  });

  it('waits for a slow answer inside the timeout', async () => {
    hosts.main.setMode('slow:100');
    const result = await provider().send(request());
    expect(result.providerRef).toBe(hosts.main.messages[0].smsId);
  });

  it('is built from the configuration by smsTrafficFromConfig', async () => {
    const config = testConfig({
      SMS_PROVIDER: 'smstraffic',
      SMSTRAFFIC_URL: hosts.main.url,
      SMSTRAFFIC_RESERVE_URL: hosts.reserve.url,
      SMSTRAFFIC_LOGIN: 'acme',
      SMSTRAFFIC_PASSWORD: PASSWORD,
    });
    const p = smsTrafficFromConfig(config, hosts.http, pino({ level: 'silent' }));
    expect(p.channel).toBe('sms');
    expect(p.name).toBe('smstraffic');
    await p.send(request());
    expect(hosts.main.received[0].form.originator).toBe('Originator');
  });
});
