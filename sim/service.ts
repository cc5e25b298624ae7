import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, httpReady, startChild, startRedis, until, type Child } from '../bench/processes.js';
import type { SimOptions } from './options.js';

// otpgate under simulation: its own process (tsx src/server.ts, no build step) on a fresh
// redis-server, pointed at the fake providers, with the fast workflow, the run's prices and
// quick status polling (uCaller reports a flash call's outcome only through getInfo).

const root = resolve(fileURLToPath(import.meta.url), '../..');

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Service {
  url: string;
  headers: Record<string, string>;
  /** Every sample of /metrics. */
  metrics(): Promise<Sample[]>;
  stop(): Promise<void>;
}

/** Where the service will listen and take callbacks, known before the fakes start. */
export async function plan() {
  const port = await freePort();
  const callbackToken = randomBytes(18).toString('base64url');
  const url = `http://127.0.0.1:${port}`;
  return { port, url, callbackToken, smsReportUrl: `${url}/v1/callbacks/smstraffic/${callbackToken}` };
}

export async function startService(
  o: SimOptions,
  where: Awaited<ReturnType<typeof plan>>,
  providerEnv: Record<string, string>,
  logDir: string,
): Promise<Service> {
  const redis = await startRedis(join(logDir, 'redis.log'), logDir);
  const children: Child[] = [redis];
  const apiKey = randomBytes(24).toString('hex');
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(where.port),
      PUBLIC_URL: where.url,
      CALLBACK_TOKEN: where.callbackToken,
      REDIS_URL: redis.url,
      API_KEYS: `sim:${apiKey}`,
      CODE_HMAC_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
      AUTO_WORKFLOW: o.workflow,
      STATUS_POLL_INTERVAL_SECONDS: '1',
      STATUS_POLL_AFTER_SECONDS: '0',
      // The simulated users are many distinct numbers from one client: no limit is what is measured.
      CLIENT_RATE_LIMIT: '10000000',
      // The resend button appears when the cooldown ends, and the simulated users press it then.
      RESEND_COOLDOWN_SECONDS: String(o.resendAfter),
      PUMPING_MIN_SENDS: '1000000',
      PRICE_CURRENCY: o.currency,
      PRICE_SMS_SMSTRAFFIC: String(o.provider.sms.price),
      PRICE_FLASH_CALL_UCALLER: String(o.provider.flash_call.price),
      PRICE_VOICE_TWILIO: String(o.provider.voice.price),
      ...providerEnv,
    };
    const svc = startChild(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env, cwd: root, logFile: join(logDir, 'otpgate.log') });
    children.push(svc);
    await until('otpgate', svc, httpReady(`${where.url}/readyz`));
  } catch (err) {
    await Promise.all(children.map((c) => c.stop()));
    throw err;
  }
  return {
    url: where.url,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    metrics: async () => parseMetrics(await (await fetch(`${where.url}/metrics`)).text()),
    // The service first (it drains against Redis), then Redis.
    stop: async () => {
      for (const c of children.reverse()) await c.stop();
    },
  };
}

/** Prometheus text format samples (no escapes in otpgate's label values). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples whose labels include `where`. */
export const total = (samples: Sample[], name: string, where: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
