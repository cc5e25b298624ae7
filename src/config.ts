import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

// Every setting (docs/configuration.md), validated once at start-up. A bad value stops the
// process with a message naming the variable (see loadConfig).

import { httpSettingProblems, httpSettings } from './http-settings.js';
import { providerProblems, providerSettings } from './channels/provider-settings.js';
import { CHANNELS, LOCALES, REQUEST_CHANNELS, type DeliveryChannel } from './model.js';
import { checkWebhooks, webhookEnv } from './webhooks/settings.js';
import { opsEnv, parsePrices, type Prices } from './ops/settings.js';

// The domain's names live in model.ts; re-exported for modules that still import them here.
export { CHANNELS, LOCALES, REQUEST_CHANNELS, type DeliveryChannel, type Locale, type RequestChannel } from './model.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const hostPorts = list.pipe(
  z.array(
    z
      .string()
      .regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')
      .transform((hp) => {
        const i = hp.lastIndexOf(':');
        return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
      }),
  ),
);
const url = z.string().url();

const apiKeys = list.pipe(
  z
    .array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}:\S{8,}$/, 'expected client:secret (secret 8+ chars)'))
    .transform((pairs) =>
      pairs.map((p) => {
        const i = p.indexOf(':');
        return { client: p.slice(0, i), secret: p.slice(i + 1) };
      }),
    ),
);

const workflow = z
  .string()
  .transform((s, ctx) => {
    const steps = s.split(',').map((part) => part.trim()).filter(Boolean);
    const out: { channel: DeliveryChannel; seconds: number }[] = [];
    for (const [i, step] of steps.entries()) {
      const [ch, secs] = step.split(':');
      if (!(CHANNELS as readonly string[]).includes(ch)) {
        ctx.addIssue({ code: 'custom', message: `unknown channel "${ch}" in step ${i + 1}` });
        return z.NEVER;
      }
      // The last step needs no wait: nothing comes after it.
      const seconds = secs === undefined ? 0 : Number(secs);
      if (!Number.isFinite(seconds) || seconds < 0 || (secs === undefined && i < steps.length - 1)) {
        ctx.addIssue({ code: 'custom', message: `step "${step}" needs channel:seconds` });
        return z.NEVER;
      }
      out.push({ channel: ch as DeliveryChannel, seconds });
    }
    if (out.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'needs at least one step' });
      return z.NEVER;
    }
    return out;
  });

const testNumbers = list.pipe(
  z.array(
    z
      .string()
      .regex(/^\+\d{8,15}:\d{4,10}$/, 'expected +E164:code')
      .transform((p) => {
        const [phone, code] = p.split(':');
        return [phone, code] as const;
      }),
  ),
);

export const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  REDIS_SENTINELS: hostPorts.optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  REDIS_CLUSTER_NODES: hostPorts.optional(),
  API_KEYS: apiKeys.optional(),
  CODE_HMAC_SECRET: z.string().min(32, 'must be at least 32 bytes').optional(),
  CODE_LENGTH: int(4, 10).default(6),
  CODE_TTL_SECONDS: int(30, 3600).default(600),
  MAX_CHECK_ATTEMPTS: int(1, 100).default(5),
  MAX_SENDS: int(1, 100).default(5),
  RESEND_COOLDOWN_SECONDS: int(0, 3600).default(30),
  PHONE_SEND_LIMIT: int(1, 100000).default(5),
  PHONE_SEND_WINDOW_SECONDS: int(1, 86400 * 7).default(600),
  DEFAULT_CHANNEL: z.enum(REQUEST_CHANNELS).default('sms'),
  DEFAULT_LOCALE: z.enum(LOCALES).default('ru'),
  DEFAULT_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code like RU')
    .default('RU'),
  FLASH_CALL_TTL_SECONDS: int(30, 3600).default(120),
  FLASH_CALL_MAX_CHECK_ATTEMPTS: int(1, 100).default(3),
  AUTO_WORKFLOW: workflow.default([
    { channel: 'flash_call', seconds: 30 },
    { channel: 'sms', seconds: 60 },
    { channel: 'voice', seconds: 0 },
  ]),
  IP_SEND_LIMIT: int(1, 1_000_000).default(10),
  IP_SEND_WINDOW_SECONDS: int(1, 86400 * 7).default(3600),
  CLIENT_RATE_LIMIT: int(1, 10_000_000).default(600),
  PHONE_FAILURE_LIMIT: int(1, 1_000_000).default(100),
  ALLOWED_COUNTRIES: list
    .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, 'ISO 3166 alpha-2 codes like RU,KZ')))
    .default([]),
  PUMPING_MIN_SENDS: int(1, 1_000_000).default(50),
  PUMPING_MIN_CONVERSION: z.coerce.number().min(0).max(1).default(0.1),
  PUMPING_BLOCK_SECONDS: int(1, 86400 * 30).default(3600),
  SAFE_NUMBERS: list.pipe(z.array(z.string().regex(/^\+\d{8,15}$/, 'E.164 numbers'))).default([]),
  GLOBAL_SEND_LIMIT: int(1, 1_000_000_000).optional(),
  TEST_NUMBERS: testNumbers.default([]),
  ALLOW_TEST_NUMBERS: bool.default(false),
  ...providerSettings,
  SMSTRAFFIC_URL: url.default('https://api.smstraffic.ru/multi.php'),
  SMSTRAFFIC_RESERVE_URL: url.default('https://api2.smstraffic.ru/multi.php'),
  SMSTRAFFIC_LOGIN: z.string().min(1).optional(),
  SMSTRAFFIC_PASSWORD: z.string().min(1).optional(),
  SMSTRAFFIC_ORIGINATOR: z.string().min(1).max(15).default('Originator'),
  UCALLER_URL: url.default('https://api.ucaller.ru/v1.0'),
  UCALLER_SERVICE_ID: z.string().min(1).optional(),
  UCALLER_KEY: z.string().min(1).optional(),
  TWILIO_API_URL: url.default('https://api.twilio.com'),
  TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_FROM: z.string().min(1).optional(),
  CALLBACK_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PUBLIC_URL: url.default('http://localhost:3000'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Not in the contract: timeouts an operator may need to tune.
  PROVIDER_CONNECT_TIMEOUT_MS: int(50, 60_000).default(3000),
  PROVIDER_TIMEOUT_MS: int(100, 120_000).default(10_000),
  REDIS_COMMAND_TIMEOUT_MS: int(50, 60_000).default(500),
  STATUS_POLL_INTERVAL_SECONDS: int(1, 3600).default(60),
  STATUS_POLL_AFTER_SECONDS: int(0, 86400).default(300),
  ...webhookEnv,
  ...opsEnv,
  ...httpSettings,
});

type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'CODE_HMAC_SECRET' | 'CALLBACK_TOKEN' | 'API_KEYS'> {
  production: boolean;
  CODE_HMAC_SECRET: string;
  CALLBACK_TOKEN: string;
  API_KEYS: { client: string; secret: string }[] | undefined;
  prices: Prices;
  /** Settings that fell back to a development default, for the start-up warning. */
  devDefaults: string[];
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as docker-compose and .env files write them.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k in envSchema.shape && v !== undefined && v.trim() !== ''),
  );
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const problems: string[] = [];
  const devDefaults: string[] = [];

  if (!e.REDIS_URL && !e.REDIS_SENTINELS && !e.REDIS_CLUSTER_NODES) devDefaults.push('REDIS_URL');
  if (e.REDIS_SENTINELS && !e.REDIS_SENTINEL_NAME)
    problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS');
  if (!e.API_KEYS || e.API_KEYS.length === 0) devDefaults.push('API_KEYS');
  if (!e.CODE_HMAC_SECRET) devDefaults.push('CODE_HMAC_SECRET');
  if (!e.CALLBACK_TOKEN) devDefaults.push('CALLBACK_TOKEN');
  for (const v of ['SMS_PROVIDER', 'FLASH_CALL_PROVIDER', 'VOICE_PROVIDER'] as const) {
    if (e[v].includes('console')) devDefaults.push(v);
  }

  if (e.ALLOW_TEST_NUMBERS === false && e.TEST_NUMBERS.length > 0 && production)
    problems.push('TEST_NUMBERS: refused in production unless ALLOW_TEST_NUMBERS=true');

  problems.push(...providerProblems(e));
  checkWebhooks(e, production, problems, devDefaults);

  if (production) {
    for (const d of devDefaults) problems.push(`${d}: a development default is refused when NODE_ENV=production`);
  }
  const prices = parsePrices(env, problems);
  problems.push(...httpSettingProblems(e.API_KEYS, production));
  if (problems.length) throw new ConfigError(problems);

  return {
    ...e,
    production,
    API_KEYS: e.API_KEYS && e.API_KEYS.length ? e.API_KEYS : undefined,
    CODE_HMAC_SECRET: e.CODE_HMAC_SECRET ?? randomBytes(32).toString('hex'),
    CALLBACK_TOKEN: e.CALLBACK_TOKEN ?? randomBytes(24).toString('base64url'),
    prices,
    devDefaults,
  };
}

/** Configuration for tests and tools: the defaults plus the given overrides, no process env. */
export function testConfig(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({ CODE_HMAC_SECRET: 'test-secret-test-secret-test-secret-0123', LOG_LEVEL: 'silent', ...overrides });
}

export const isIpAddress = (s: string) => isIP(s) !== 0;
