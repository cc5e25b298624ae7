import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { createOtpgateClient } from '../../client/src/index.js';

// The sign-up example's backend: the page talks only to this server; this server talks to
// otpgate with the typed client and its API key, which the page never sees.

export interface SignupOptions {
  otpgateUrl: string;
  apiKey?: string;
  /** SMS sender name shown on the phone. */
  sender?: string;
}

interface Pending {
  name: string;
  email: string;
  phone: string;
  verificationId: string;
  locale: 'en' | 'ru' | 'pt';
}

const LOCALES = ['en', 'ru', 'pt'] as const;
const page = (file: string) => readFileSync(new URL(`./public/${file}`, import.meta.url), 'utf8');

export function createSignupServer(opts: SignupOptions): FastifyInstance {
  const otpgate = createOtpgateClient({ baseUrl: opts.otpgateUrl, apiKey: opts.apiKey });
  const sender = opts.sender ?? 'Originator';
  const pending = new Map<string, Pending>();
  const accounts = new Map<string, { id: string; name: string; email: string; phone: string; createdAt: string }>();
  const app = Fastify({ logger: false });

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(page('index.html')));
  app.get('/app.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(page('app.js')));

  // Step 1: the form. The password would be hashed and kept with the account; here it is only checked.
  app.post<{ Body: { name?: string; email?: string; phone?: string; password?: string; locale?: string } }>('/api/signup', async (req, reply) => {
    const { name = '', email = '', phone = '', password = '' } = req.body ?? {};
    const locale = (LOCALES as readonly string[]).includes(req.body?.locale ?? '') ? (req.body!.locale as Pending['locale']) : 'en';
    if (!name.trim() || !/^\S+@\S+\.\S+$/.test(email) || password.length < 8) return reply.code(400).send({ error: 'invalid_form' });
    const started = await otpgate.start({ to: phone, locale, sender, clientIp: req.ip, metadata: { purpose: 'signup' } });
    if (!started.ok) return reply.code(started.status).send({ error: started.error.code, retryAfter: started.retryAfter });
    const signupId = randomUUID();
    pending.set(signupId, { name: name.trim(), email, phone: started.data.to, verificationId: started.data.id, locale });
    return { signupId, phone: started.data.to, codeLength: started.data.codeLength, resendAvailableAt: started.data.resendAvailableAt };
  });

  // Step 2: the code.
  app.post<{ Body: { signupId?: string; code?: string } }>('/api/signup/confirm', async (req, reply) => {
    const p = pending.get(req.body?.signupId ?? '');
    if (!p) return reply.code(404).send({ error: 'no_signup' });
    const checked = await otpgate.check({ id: p.verificationId, code: String(req.body?.code ?? '').trim() });
    if (!checked.ok) {
      const e = checked.error;
      return reply.code(checked.status).send({ error: e.code, ...(e.code === 'verification_not_pending' ? { verificationStatus: e.verificationStatus } : {}) });
    }
    if (!checked.data.valid) return reply.code(422).send({ error: 'wrong_code', checksRemaining: checked.data.checksRemaining, status: checked.data.status });
    pending.delete(req.body!.signupId!);
    const account = { id: `acct_${randomUUID().slice(0, 8)}`, name: p.name, email: p.email, phone: p.phone, createdAt: new Date().toISOString() };
    accounts.set(account.id, account);
    return { accountId: account.id };
  });

  // "Send again": otpgate enforces the cooldown; the page shows the wait it answers with.
  app.post<{ Body: { signupId?: string } }>('/api/signup/resend', async (req, reply) => {
    const p = pending.get(req.body?.signupId ?? '');
    if (!p) return reply.code(404).send({ error: 'no_signup' });
    const resent = await otpgate.resend(p.verificationId);
    if (!resent.ok) return reply.code(resent.status).send({ error: resent.error.code, retryAfter: resent.retryAfter });
    return { resendAvailableAt: resent.data.resendAvailableAt, codeLength: resent.data.codeLength };
  });

  // Step 3: the account.
  app.get<{ Params: { id: string } }>('/api/accounts/:id', async (req, reply) => {
    const account = accounts.get(req.params.id);
    return account ?? reply.code(404).send({ error: 'no_account' });
  });

  return app;
}
