import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import otpgate, { serverOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createSignupServer } from './server.js';

// otpgate (development defaults: console providers, the virtual phone) and the sign-up
// backend, in one process: what `npm run example:signup` and the browser tests run.

export interface Stack {
  otpgateUrl: string;
  signupUrl: string;
  /** The key the backend uses (the page never sees it). */
  apiKey?: string;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Use a running otpgate instead of starting one. */
  otpgateUrl?: string;
  apiKey?: string;
  otpgatePort?: number;
  signupPort?: number;
  sender?: string;
  /** Extra otpgate settings (environment variable names). */
  env?: Record<string, string | undefined>;
  /** otpgate's log destination (default: standard output). */
  logStream?: NodeJS.WritableStream;
}

const urlOf = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  let service: FastifyInstance | undefined;
  let otpgateUrl = opts.otpgateUrl;
  let apiKey = opts.apiKey;
  if (!otpgateUrl) {
    // A key of its own: the page never sees it, only this backend sends it.
    apiKey ??= randomBytes(16).toString('hex');
    const config = loadConfig({ ...opts.env, API_KEYS: `signup:${apiKey}`, PORT: String(opts.otpgatePort ?? 3000) });
    service = Fastify(serverOptions(config, opts.logStream));
    await service.register(otpgate, { config });
    await service.listen({ port: config.PORT, host: '127.0.0.1' });
    otpgateUrl = urlOf(service);
  }
  const signup = createSignupServer({ otpgateUrl, apiKey, sender: opts.sender });
  await signup.listen({ port: opts.signupPort ?? 3100, host: '127.0.0.1' });
  return {
    otpgateUrl,
    signupUrl: urlOf(signup),
    apiKey,
    async close() {
      await signup.close();
      await service?.close();
    },
  };
}
