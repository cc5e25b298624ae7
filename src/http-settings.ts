import { z } from 'zod';

// Settings of the HTTP edge (not in the contract; defaults suit a service behind a load
// balancer). Merged into config.ts's schema.

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const httpSettings = {
  /** Time for a client to send all request headers; slow-header clients are cut off after it. */
  HTTP_HEADERS_TIMEOUT_MS: int(100, 60_000).default(5000),
  /** Time for a client to send the whole request (headers and body). */
  HTTP_REQUEST_TIMEOUT_MS: int(100, 300_000).default(30_000),
  /** How long an idle keep-alive connection stays open between requests. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000).default(72_000),
  /** Failed authentications per source address (IPv6 by /64) per minute before 429 rate_limited. */
  AUTH_FAILURE_LIMIT: int(1, 1_000_000).default(20),
};

/** Production needs API key secrets that cannot be guessed: 32 characters or more. */
export const MIN_PRODUCTION_SECRET = 32;

export function httpSettingProblems(apiKeys: { client: string; secret: string }[] | undefined, production: boolean): string[] {
  if (!production || !apiKeys) return [];
  return apiKeys
    .filter((k) => k.secret.length < MIN_PRODUCTION_SECRET)
    .map((k) => `API_KEYS: the secret of client "${k.client}" has fewer than ${MIN_PRODUCTION_SECRET} characters (refused in production)`);
}
