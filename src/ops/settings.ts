import { z } from 'zod';
import { CHANNELS, type DeliveryChannel } from '../model.js';

// Operations settings (issue 13): metrics access, prices, shutdown, Redis WAIT. Wired into
// config.ts's schema; prices come from a family of variables (PRICE_<CHANNEL>_<PROVIDER>).

export const opsEnv = {
  /** Bearer token /metrics requires when set. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** ISO 4217 code of the PRICE_* values (a label of the spend counter). */
  PRICE_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code like RUB').default('RUB'),
  /** Redis connection errors are logged at most once per this many seconds, with a count. */
  /** On SIGTERM, readiness answers 503 this long before the server stops accepting requests. */
  SHUTDOWN_DELAY_SECONDS: z.coerce.number().int().min(0).max(300).default(0),
  REDIS_ERROR_LOG_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
};

/** Price of one accepted send, by channel and provider name. */
export type Prices = Partial<Record<DeliveryChannel, Record<string, number>>>;

const PRICE = /^PRICE_([A-Z_]+)$/;

/** PRICE_SMS_SMSTRAFFIC=3.2, PRICE_FLASH_CALL_UCALLER=0.5, ...; `problems` collects bad ones. */
export function parsePrices(env: Record<string, string | undefined>, problems: string[]): Prices {
  const prices: Prices = {};
  for (const [key, raw] of Object.entries(env)) {
    const m = PRICE.exec(key);
    if (!m || key === 'PRICE_CURRENCY' || raw === undefined || raw.trim() === '') continue;
    const channel = CHANNELS.find((c) => m[1].startsWith(`${c.toUpperCase()}_`));
    const provider = channel && m[1].slice(channel.length + 1).toLowerCase();
    const price = Number(raw);
    if (!channel || !provider) problems.push(`${key}: expected PRICE_<SMS|FLASH_CALL|VOICE>_<PROVIDER>`);
    else if (!Number.isFinite(price) || price < 0) problems.push(`${key}: must be a number >= 0`);
    else (prices[channel] ??= {})[provider] = price;
  }
  return prices;
}

export const priceOf = (prices: Prices, channel: DeliveryChannel, provider: string) => prices[channel]?.[provider] ?? 0;
