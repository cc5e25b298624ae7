import { z } from 'zod';
import { isIpAddress } from './config.js';
import { ATTEMPT_STATUSES, CHANNELS, LOCALES, REQUEST_CHANNELS, VERIFICATION_STATUSES } from './model.js';

// Request and response shapes of the HTTP API (docs/api.md), used for validation,
// serialization and the OpenAPI document alike.

export const startBody = z
  .object({
    to: z.string().max(64).describe('E.164 (+79161234567) or a national number of DEFAULT_COUNTRY'),
    channel: z.enum(REQUEST_CHANNELS).optional().describe('Defaults to DEFAULT_CHANNEL'),
    locale: z.enum(LOCALES).optional().describe('Defaults to DEFAULT_LOCALE'),
    codeLength: z.number().int().min(4).max(10).optional().describe('Flash-call codes always have 4 digits'),
    ttlSeconds: z.number().int().min(30).max(3600).optional(),
    sender: z
      .string()
      .regex(/^[A-Za-z0-9 ._-]{1,11}$|^\d{1,15}$/, 'an SMS originator: up to 11 latin letters/digits, or up to 15 digits')
      .optional()
      .describe('SMS originator (sender name)'),
    metadata: z.record(z.string(), z.unknown()).optional().describe('Kept with the verification and returned as is'),
    clientIp: z
      .string()
      .max(64)
      .refine(isIpAddress, 'must be an IPv4 or IPv6 address')
      .optional()
      .describe("The end user's IP address, for per-user limits (IPv6 counted by /64)"),
  })
  .strict();

export const checkBody = z
  .object({
    // Any id is looked up (an id never issued is a 404, whatever its shape).
    id: z.string().optional(),
    to: z.string().max(64).optional(),
    code: z.string().max(64),
  })
  .strict()
  .refine((b) => !!b.id !== !!b.to, { message: 'give either id or to', path: ['id'] });

export const resendBody = z
  .object({ channel: z.enum(CHANNELS).optional() })
  .strict()
  .nullish();

export const idParams = z.object({ id: z.string() });

export const attempt = z.object({
  channel: z.enum(CHANNELS),
  provider: z.string(),
  status: z.enum(ATTEMPT_STATUSES),
  providerRef: z.string().optional(),
  at: z.string(),
});

export const verification = z.object({
  id: z.string(),
  to: z.string(),
  channel: z.enum(CHANNELS),
  status: z.enum(VERIFICATION_STATUSES),
  locale: z.enum(LOCALES),
  codeLength: z.number().int(),
  createdAt: z.string(),
  expiresAt: z.string(),
  checksRemaining: z.number().int(),
  sendsRemaining: z.number().int(),
  resendAvailableAt: z.string(),
  attempts: z.array(attempt),
  metadata: z.record(z.string(), z.unknown()),
});

export const checkResult = z.object({
  id: z.string(),
  status: z.enum(VERIFICATION_STATUSES),
  valid: z.boolean(),
  checksRemaining: z.number().int(),
});

export const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    verificationStatus: z.string().optional(),
  })
  .describe('RFC 9457 problem details (application/problem+json)');

export const idempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional(),
});
