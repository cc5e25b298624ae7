import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { devPhoneEnabled } from '../../src/plugins/dev-phone.js';
import { PRODUCTION_ENV, makeApp, uniquePhone, type TestApp } from '../helpers/app.js';

// The virtual phone: served only with console providers, live over server-sent events, and
// the console delivery still writes its log line.

/** Reads server-sent events until `count` data lines arrived. */
async function readEvents(url: string, count: number, during: () => Promise<void>): Promise<any[]> {
  const ac = new AbortController();
  const res = await fetch(url, { signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const events: any[] = [];
  let buffer = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (data) events.push(JSON.parse(data.slice(6)));
      }
    }
  })();
  await during();
  await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${events.length} events`)), 5000))]);
  ac.abort();
  return events;
}

describe('/dev/phone', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  const listen = async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  };

  it('shows each console SMS, flash call and voice call live, with the code, and logs it too', async () => {
    t = await makeApp({ store: 'embedded', configuredProviders: true });
    const base = await listen();
    const page = await fetch(`${base}/dev/phone`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('/dev/phone/events');

    const [a, b, c] = [uniquePhone(), uniquePhone(), uniquePhone()];
    const ids: string[] = [];
    const events = await readEvents(`${base}/dev/phone/events`, 3, async () => {
      for (const [to, channel] of [[a, 'sms'], [b, 'flash_call'], [c, 'voice']]) {
        const r = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to, channel, locale: 'en', sender: 'Shop' } });
        expect(r.statusCode, r.body).toBe(201);
        ids.push(r.json().id);
      }
    });
    const logs = t.logs().trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.devOutput === 'console-provider');
    expect(events.map((e) => [e.kind, e.phone])).toEqual([['sms', a], ['flash_call', b], ['voice', c]]);
    for (const [i, e] of events.entries()) {
      // The page shows the code the log line carries, and it is the code that approves.
      expect(logs.find((l) => l.verificationId === ids[i]).code).toBe(e.code);
      const check = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id: ids[i], code: e.code } });
      expect(check.json().valid).toBe(true);
    }
    expect(events[0]).toMatchObject({ sender: 'Shop', text: expect.stringContaining(events[0].code) });
    expect(events[1].caller.endsWith(events[1].code)).toBe(true);
    expect(events[2].text).toContain(events[2].code.split('').join(', '));
  });

  it('plays the call-back robot: the code for the number that rang, "no code" otherwise', async () => {
    t = await makeApp({ store: 'embedded', configuredProviders: true });
    const base = await listen();
    const to = uniquePhone();
    await t.call({ method: 'POST', url: '/v1/verifications', payload: { to, channel: 'flash_call', locale: 'pt' } });
    const { entries } = await (await fetch(`${base}/dev/phone/entries`)).json();
    const call = entries.find((e: any) => e.phone === to && e.kind === 'flash_call');

    const callBack = (from: string, calledNumber: string) =>
      fetch(`${base}/dev/phone/call-back`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from, to: calledNumber }),
      }).then((r) => r.json());
    const robot = await callBack(to, call.caller);
    expect(robot).toMatchObject({ kind: 'robot', phone: to, code: call.code, locale: 'pt-BR' });
    expect(robot.text).toContain(call.code.split('').join(', '));
    const stranger = await callBack(uniquePhone(), call.caller);
    expect(stranger.code).toBeUndefined();
    expect(stranger.text).toMatch(/no active code|нет активного кода/i);
  });

  it('is not served without console providers, nor ever in production', async () => {
    t = await makeApp({
      store: 'embedded',
      env: { SMS_PROVIDER: 'smstraffic', SMSTRAFFIC_LOGIN: 'l', SMSTRAFFIC_PASSWORD: 'p', FLASH_CALL_PROVIDER: 'ucaller', VOICE_PROVIDER: 'ucaller', UCALLER_SERVICE_ID: '1', UCALLER_KEY: 'k' },
      configuredProviders: true,
    });
    expect((await t.app.inject({ url: '/dev/phone' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/dev/phone/events' })).statusCode).toBe(404);
    expect(devPhoneEnabled(loadConfig(PRODUCTION_ENV))).toBe(false);
    expect(devPhoneEnabled({ ...loadConfig({}), production: true })).toBe(false);
    expect(devPhoneEnabled(loadConfig({}))).toBe(true);
  });
});
