import { afterEach, describe, expect, it } from 'vitest';
import { signTwilio, startFakeTwilio, type FakeTwilio } from '../fakes/twilio.js';
import { makeApp, STORES, uniquePhone, type StoreKind, type TestApp } from '../helpers/app.js';

// Twilio voice end to end: the fake Twilio posts signed status callbacks to the StatusCallback
// our call asked for (through inject(), mapping PUBLIC_URL to the app), and every Twilio
// webhook is checked against X-Twilio-Signature over PUBLIC_URL + path.

const TOKEN = 'twilio-callback-token-0123456789';
// A proxy in front: Twilio signs this URL, the service sees only the path.
const PUBLIC_URL = 'https://otp.example.com';

describe.each(STORES)('Twilio end to end (%s store)', (store: StoreKind) => {
  let twilio: FakeTwilio;
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
    await twilio?.close();
  });

  async function setup(env: Record<string, string> = {}) {
    twilio = await startFakeTwilio({ accountSid: 'AC123', authToken: 'tw-token', from: '+15005550006' });
    t = await makeApp({
      store,
      configuredProviders: true, // Twilio for voice, console for the rest
      env: {
        VOICE_PROVIDER: 'twilio',
        TWILIO_API_URL: twilio.url,
        TWILIO_ACCOUNT_SID: 'AC123',
        TWILIO_AUTH_TOKEN: 'tw-token',
        TWILIO_FROM: '+15005550006',
        CALLBACK_TOKEN: TOKEN,
        PUBLIC_URL,
        ...env,
      },
    });
    twilio.transport = async (url, body, headers) => {
      expect(url.startsWith(PUBLIC_URL)).toBe(true);
      const res = await t.app.inject({ method: 'POST', url: url.slice(PUBLIC_URL.length), payload: body, headers });
      return { status: res.statusCode, body: res.body };
    };
  }

  const start = (body: Record<string, unknown>) => t.call({ method: 'POST', url: '/v1/verifications', payload: body });
  const get = async (id: string) => (await t.call({ method: 'GET', url: `/v1/verifications/${id}` })).json();

  it('completed → delivered; the callback goes to PUBLIC_URL + the status path', async () => {
    await setup();
    const v = (await start({ to: uniquePhone(), channel: 'voice' })).json();
    const call = twilio.lastCall()!;
    expect(call.statusCallback).toBe(`${PUBLIC_URL}/v1/callbacks/twilio/status/${TOKEN}`);
    const res = await twilio.endCall(call.sid, 'completed');
    expect(res?.status).toBe(204);
    expect((await get(v.id)).attempts[0]).toMatchObject({ provider: 'twilio', status: 'delivered', providerRef: call.sid });
  });

  it.each(['busy', 'no-answer', 'failed', 'canceled'] as const)('%s → undelivered, and auto moves on at once', async (status) => {
    await setup({ AUTO_WORKFLOW: 'voice:60,sms:60' });
    const v = (await start({ to: uniquePhone(), channel: 'auto' })).json();
    expect(v.attempts.map((a: { channel: string }) => a.channel)).toEqual(['voice']);
    await twilio.endCall(twilio.lastCall()!.sid, status);
    const after = await get(v.id);
    expect(after.attempts.map((a: { channel: string; status: string }) => [a.channel, a.status])).toEqual([
      ['voice', 'undelivered'],
      ['sms', 'sent'],
    ]);
  });

  it('a bad, missing or other-URL signature is 403 and changes nothing', async () => {
    await setup();
    const v = (await start({ to: uniquePhone(), channel: 'voice' })).json();
    const call = twilio.lastCall()!;
    const path = `/v1/callbacks/twilio/status/${TOKEN}`;
    const params: [string, string][] = [['CallSid', call.sid], ['CallStatus', 'busy']];
    const post = (signature?: string) =>
      t.app.inject({
        method: 'POST',
        url: path,
        payload: new URLSearchParams(params).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature ? { 'x-twilio-signature': signature } : {}) },
      });
    const refused = [
      await post(),
      await post(signTwilio('other-token', PUBLIC_URL + path, params)),
      // Signed over the URL the service sees, not the one Twilio was given.
      await post(signTwilio('tw-token', `http://localhost:80${path}`, params)),
      await post(signTwilio('tw-token', PUBLIC_URL + path, [['CallSid', call.sid], ['CallStatus', 'completed']])),
    ];
    for (const r of refused) {
      expect(r.statusCode).toBe(403);
      expect(r.json().code).toBe('invalid_signature');
    }
    expect((await get(v.id)).attempts[0].status).toBe('queued');
    // The robot's webhook too.
    const robot = await t.app.inject({
      method: 'POST',
      url: `/v1/callbacks/twilio/voice/${TOKEN}`,
      payload: 'From=%2B79161234567&To=%2B74951234567',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(robot.statusCode).toBe(403);
    // Signed right, the same request is taken.
    expect((await post(signTwilio('tw-token', PUBLIC_URL + path, params))).statusCode).toBe(204);
    expect((await get(v.id)).attempts[0].status).toBe('undelivered');
  });

  it('a signed inbound call reaches the robot; a wrong token is still 404', async () => {
    await setup();
    const res = await twilio.inboundCall(`${PUBLIC_URL}/v1/callbacks/twilio/voice/${TOKEN}`, uniquePhone(), '+74951234567');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<Response>');
    const wrong = await twilio.inboundCall(`${PUBLIC_URL}/v1/callbacks/twilio/voice/not-the-token-0123456789`, uniquePhone(), '+74951234567');
    expect(wrong.status).toBe(404);
  });

  it('intermediate statuses change nothing and are logged as known values only', async () => {
    await setup();
    const v = (await start({ to: uniquePhone(), channel: 'voice' })).json();
    const path = `/v1/callbacks/twilio/status/${TOKEN}`;
    for (const status of ['ringing', 'in-progress', 'weird 79161234567']) {
      const params: [string, string][] = [['CallSid', twilio.lastCall()!.sid], ['CallStatus', status]];
      const res = await t.app.inject({
        method: 'POST',
        url: path,
        payload: new URLSearchParams(params).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio('tw-token', PUBLIC_URL + path, params) },
      });
      expect(res.statusCode).toBe(204);
    }
    expect((await get(v.id)).attempts[0].status).toBe('queued');
    expect(t.logs()).toContain('"callStatus":"ringing"');
    expect(t.logs()).not.toContain('79161234567');
  });
});
