import { afterEach, describe, expect, it } from 'vitest';
import { startFakeUcaller, type FakeUcaller } from '../fakes/ucaller.js';
import { makeApp, STORES, testClock, uniquePhone, type StoreKind, type TestApp } from '../helpers/app.js';

// uCaller as the day-one review describes it, end to end: the code uCaller rings with is the
// verification's code, refusals by numeric code with Retry-After, and getInfo polling that
// moves an auto workflow on when the flash call did not get through.

const TOKEN = 'ucaller-callback-token-0123456789';

/** The real time, so the poller's per-round lock expires between rounds. */
const realClock = () => Object.assign(() => Date.now(), { advance: (_ms: number) => undefined }) as ReturnType<typeof testClock>;

describe.each(STORES)('uCaller end to end (%s store)', (store: StoreKind) => {
  let ucaller: FakeUcaller;
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
    await ucaller?.close();
  });

  async function setup(env: Record<string, string> = {}, clock?: ReturnType<typeof testClock>) {
    ucaller = await startFakeUcaller({ serviceId: '4242', key: 'ucaller-key-abc' });
    t = await makeApp({
      store,
      clock,
      configuredProviders: true, // uCaller for flash calls, console for the rest
      env: {
        FLASH_CALL_PROVIDER: 'ucaller',
        UCALLER_URL: ucaller.url,
        UCALLER_SERVICE_ID: '4242',
        UCALLER_KEY: 'ucaller-key-abc',
        CALLBACK_TOKEN: TOKEN,
        ...env,
      },
    });
  }

  const start = (body: Record<string, unknown>) => t.call({ method: 'POST', url: '/v1/verifications', payload: body });
  const check = (id: string, code: string) => t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id, code } });
  const robot = (from: string, to: string) =>
    t.call({
      method: 'POST',
      url: `/v1/callbacks/twilio/voice/${TOKEN}`,
      payload: new URLSearchParams({ From: from, To: to, CallSid: 'CA' + '0'.repeat(32) }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      key: null,
    });

  it('the digits uCaller rang with are the code: the shown 4242 approves, the sent 8620 does not', async () => {
    await setup();
    // The start's code is random: make uCaller ring from +7495…4242 whatever we send.
    ucaller.mode = 'provider-picks-code';
    ucaller.nextProviderCode = '4242';
    const phone = uniquePhone();
    const v = (await start({ to: phone, channel: 'flash_call' })).json();
    const call = ucaller.lastCall(phone)!;
    const sent = String(call.sentCode);
    expect(call.cli.endsWith('4242')).toBe(true);
    expect(sent).not.toBe('4242');
    // The robot dictates what the user saw, and the sent code approves nothing.
    const said = await robot(phone, call.cli);
    expect(said.body).toContain('4, 2, 4, 2');
    expect((await check(v.id, sent)).json()).toMatchObject({ valid: false });
    expect((await check(v.id, '4242')).json()).toMatchObject({ valid: true, status: 'approved' });
  });

  it('a per-number limit (19) is 429 rate_limited with Retry-After 15; the Russian text stays out of the answer', async () => {
    await setup();
    ucaller.mode = 'error:19';
    const res = await start({ to: uniquePhone(), channel: 'flash_call' });
    expect(res.statusCode).toBe(429);
    expect(res.json().code).toBe('rate_limited');
    expect(res.headers['retry-after']).toBe('15');
    expect(res.body).not.toMatch(/[а-яА-Я]/);
    ucaller.mode = 'error:3';
    expect((await start({ to: uniquePhone(), channel: 'flash_call' })).json().code).toBe('invalid_phone_number');
    ucaller.mode = 'error:1005';
    const refused = await start({ to: uniquePhone(), channel: 'flash_call' });
    expect([refused.statusCode, refused.json().code]).toEqual([502, 'provider_error']);
    expect(refused.body).not.toMatch(/[а-яА-Я]/);
    expect(t.logs()).toMatch(/"level":50[^\n]*uCaller refused/);
  });

  it('a flash call that did not get through moves auto on within one poll interval', async () => {
    await setup({ STATUS_POLL_INTERVAL_SECONDS: '1', AUTO_WORKFLOW: 'flash_call:60,sms:60,voice' }, realClock());
    ucaller.initialCallStatus = 0; // getInfo: could not get through
    const v = (await start({ to: uniquePhone(), channel: 'auto' })).json();
    expect(v.attempts).toHaveLength(1);
    const began = Date.now();
    let after = v;
    while (after.attempts.length < 2 && Date.now() - began < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json();
    }
    expect(Date.now() - began).toBeLessThan(3000);
    expect(after.attempts.map((a: { channel: string; status: string }) => [a.channel, a.status])).toEqual([
      ['flash_call', 'undelivered'],
      ['sms', 'sent'],
    ]);
    expect(ucaller.received.some((r) => r.path.endsWith('/getInfo'))).toBe(true);
  });

  it('an answered call becomes delivered and polling stops asking about it', async () => {
    await setup({ STATUS_POLL_INTERVAL_SECONDS: '1' }, realClock());
    ucaller.initialCallStatus = 1;
    const v = (await start({ to: uniquePhone(), channel: 'flash_call' })).json();
    let status = 'sent';
    const began = Date.now();
    while (status !== 'delivered' && Date.now() - began < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await t.call({ method: 'GET', url: `/v1/verifications/${v.id}` })).json().attempts[0].status;
    }
    expect(status).toBe('delivered');
    const asked = ucaller.received.filter((r) => r.path.endsWith('/getInfo')).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(ucaller.received.filter((r) => r.path.endsWith('/getInfo')).length).toBe(asked);
  });
});
