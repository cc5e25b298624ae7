import { afterEach, describe, expect, it } from 'vitest';
import { makeApp, PHONE, type TestApp } from '../helpers/app.js';

// The console providers: the zero-settings service delivers nothing but writes one JSON log
// line per delivery with verificationId, channel and code, marked as development output.

describe('console providers', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it.each(['sms', 'flash_call', 'voice'] as const)('log one development line per %s delivery', async (channel) => {
    t = await makeApp({ store: 'embedded', configuredProviders: true });
    const v = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, channel } })).json();
    expect(v.attempts[0].provider).toBe('console');
    const lines = t
      .logs()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.verificationId === v.id && 'code' in l && l.dev === true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ channel, devOutput: 'console-provider' });
    expect(lines[0].msg).toMatch(/DEVELOPMENT OUTPUT/);
    expect(lines[0].code).toHaveLength(channel === 'flash_call' ? 4 : 6);
    const check = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: v.id, code: lines[0].code } });
    expect(check.json().valid).toBe(true);
  });
});
