import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { inject } from 'vitest';
import { buildApp, type AppOptions } from '../../src/app.js';
import type { ChannelProvider, DeliveryRequest, Providers } from '../../src/channels/types.js';
import { testConfig } from '../../src/config.js';

export type StoreKind = 'embedded' | 'redis';
export const STORES: StoreKind[] = ['embedded', 'redis'];

export const API_KEYS = 'acme:acme-secret-key-0001,globex:globex-secret-key-0002';
export const KEY_ACME = 'acme-secret-key-0001';
export const KEY_GLOBEX = 'globex-secret-key-0002';

/** A clock tests can move forward. */
export function testClock(start = Date.now()) {
  let t = start;
  const now = () => t;
  now.advance = (ms: number) => {
    t += ms;
  };
  return now;
}

/** A provider that records what it was asked to deliver (codes included) and can fail. */
export function recordingProvider(channel: ChannelProvider['channel'], name = 'recorder') {
  const sent: DeliveryRequest[] = [];
  let failWith: Error | undefined;
  const provider: ChannelProvider & {
    sent: DeliveryRequest[];
    lastCode(): string;
    fail(err?: Error): void;
  } = {
    channel,
    name,
    sent,
    async send(req) {
      if (failWith) throw failWith;
      sent.push(req);
      return { providerRef: `${name}-${sent.length}`, status: 'sent' };
    },
    lastCode() {
      const code = sent.at(-1)?.code;
      if (!code) throw new Error(`no ${channel} code was sent`);
      return code;
    },
    fail(err) {
      failWith = err;
    },
  };
  return provider;
}

export interface TestApp {
  app: FastifyInstance;
  sms: ReturnType<typeof recordingProvider>;
  flash: ReturnType<typeof recordingProvider>;
  voice: ReturnType<typeof recordingProvider>;
  clock: ReturnType<typeof testClock>;
  logs: () => string;
  /** inject() with the acme API key unless `key` says otherwise (null: no header). */
  call(opts: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  store: StoreKind;
  env?: Record<string, string | undefined>;
  providers?: Partial<Providers>;
  keyPrefix?: string;
  clock?: ReturnType<typeof testClock>;
  /** Use the providers the env configures (fakes over HTTP) instead of recorders. */
  configuredProviders?: boolean;
  webhookTuning?: AppOptions['webhookTuning'];
}

export async function makeApp(opts: TestAppOptions): Promise<TestApp> {
  const clock = opts.clock ?? testClock();
  const config = testConfig({
    API_KEYS,
    RESEND_COOLDOWN_SECONDS: '0',
    REDIS_URL: opts.store === 'redis' ? inject('redisUrl') : undefined,
    LOG_LEVEL: 'info',
    ...opts.env,
  });
  const sms = recordingProvider('sms');
  const flash = recordingProvider('flash_call');
  const voice = recordingProvider('voice');
  const stream = new PassThrough();
  let captured = '';
  stream.on('data', (chunk) => (captured += chunk.toString()));
  const appOpts: AppOptions = {
    config,
    clock,
    keyPrefix: opts.keyPrefix ?? `t${randomBytes(4).toString('hex')}:`,
    providers: opts.configuredProviders ? opts.providers : { sms, flash_call: flash, voice, ...opts.providers },
    webhookTuning: opts.webhookTuning,
  };
  const app = await buildApp(appOpts, stream);
  return {
    app,
    sms,
    flash,
    voice,
    clock,
    logs: () => captured,
    call: ({ key, ...o }) =>
      app.inject({
        ...o,
        headers: {
          ...(key === null ? {} : { authorization: `Bearer ${key ?? KEY_ACME}` }),
          ...o.headers,
        },
      } as InjectOptions),
    close: () => app.close(),
  };
}

export const PHONE = '+79161234567';
export const PHONE_NATIONAL = '8 916 123-45-67';

/** A code that is not `code`: its last digit moved on by one, so length and format still pass. */
export const wrongCode = (code: string) => code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));

/** A distinct valid Russian mobile number per call. */
let seq = 1000000;
export function uniquePhone(): string {
  seq += 1;
  return `+7916${String(seq).padStart(7, '0')}`;
}

/** A complete production configuration (every development default replaced). */
export const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  REDIS_URL: 'redis://redis:6379',
  API_KEYS: 'shop:0123456789abcdef0123456789abcdef',
  CODE_HMAC_SECRET: 'x'.repeat(32),
  CALLBACK_TOKEN: 'y'.repeat(24),
  SMS_PROVIDER: 'smstraffic',
  SMSTRAFFIC_LOGIN: 'l',
  SMSTRAFFIC_PASSWORD: 'p',
  FLASH_CALL_PROVIDER: 'ucaller',
  VOICE_PROVIDER: 'ucaller',
  UCALLER_SERVICE_ID: '1',
  UCALLER_KEY: 'k',
};
