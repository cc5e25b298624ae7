import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../examples/signup/stack.js';
import { uniquePhone } from '../helpers/app.js';

// The sign-up example's backend over HTTP (the browser tests drive its page): the code comes
// from the virtual phone, the API key stays on the server.

describe('examples/signup backend', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ otpgatePort: 0, signupPort: 0, sender: 'MyShop', logStream: new PassThrough().resume(), env: { LOG_LEVEL: 'warn' } });
  });
  afterAll(() => stack.close());

  const post = (path: string, body: unknown) =>
    fetch(`${stack.signupUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
      async (r) => ({ status: r.status, body: await r.json() }),
    );

  it('signs up with the code the phone got, after a wrong one and a refused resend', async () => {
    const phone = uniquePhone();
    const page = await (await fetch(stack.signupUrl)).text();
    expect(page).not.toContain(stack.apiKey);
    const started = await post('/api/signup', { name: 'Ana', email: 'ana@example.com', phone, password: 'correct horse', locale: 'pt' });
    expect(started.status).toBe(200);
    const { entries } = await (await fetch(`${stack.otpgateUrl}/dev/phone/entries`)).json();
    const sms = entries.findLast((e: { phone: string }) => e.phone === phone);
    expect(sms).toMatchObject({ kind: 'sms', sender: 'MyShop', locale: 'pt' });

    const wrong = await post('/api/signup/confirm', { signupId: started.body.signupId, code: sms.code === '000000' ? '111111' : '000000' });
    expect(wrong).toEqual({ status: 422, body: { error: 'wrong_code', checksRemaining: 4, status: 'pending' } });
    const resend = await post('/api/signup/resend', { signupId: started.body.signupId });
    expect(resend.status).toBe(429);
    expect(resend.body).toMatchObject({ error: 'resend_too_soon', retryAfter: expect.any(Number) });

    const ok = await post('/api/signup/confirm', { signupId: started.body.signupId, code: sms.code });
    expect(ok.status).toBe(200);
    const account = await (await fetch(`${stack.signupUrl}/api/accounts/${ok.body.accountId}`)).json();
    expect(account).toMatchObject({ name: 'Ana', email: 'ana@example.com', phone });
  });

  it('refuses an invalid number with its code', async () => {
    const r = await post('/api/signup', { name: 'A', email: 'a@b.co', phone: '12', password: 'correct horse' });
    expect(r).toMatchObject({ status: 400, body: { error: 'invalid_phone_number' } });
  });
});
