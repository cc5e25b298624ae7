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
};
