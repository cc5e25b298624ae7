import { Webhook } from 'standardwebhooks';
import { z } from 'zod';

// The webhook settings of docs/events.md, parsed with zod and spread into config.ts's
// schema; checkWebhooks adds the cross-field rules (https and secrets in production).

const list = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const endpoint = z.string().refine((s) => {
  try {
    return ['http:', 'https:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

const endpoints = list.pipe(
  z
    .array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}=\S+$/, 'expected client=https://…'))
    .transform((pairs) => pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const))
    .pipe(z.array(z.tuple([z.string(), endpoint]))),
);

const secrets = list.pipe(
  z
    .array(
      z.string().refine((s) => {
        if (!s.startsWith('whsec_')) return false;
        try {
          new Webhook(s);
          return Buffer.from(s.slice(6), 'base64').length >= 16;
        } catch {
          return false;
        }
      }, 'expected whsec_ followed by a base64 secret of 16+ bytes'),
    )
    .max(2, 'one secret, or two during a rotation'),
);

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `5s,30s,2m` → delays in ms. */
export const retrySchedule = list.pipe(
  z
    .array(z.string().regex(/^\d+(\.\d+)?[smh]$/, 'expected delays like 5s, 2m or 1h'))
    .min(1)
    .max(50)
    .transform((parts) => parts.map((p) => Math.round(Number(p.slice(0, -1)) * UNIT_MS[p.slice(-1) as keyof typeof UNIT_MS]))),
);

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

export const DEFAULT_RETRY_SCHEDULE = '5s,30s,2m,10m,30m,1h,2h,4h,8h,8h';

export const webhookEnv = {
  WEBHOOKS: endpoints.default([]),
  WEBHOOK_URL: endpoint.optional(),
  WEBHOOK_SECRETS: secrets.default([]),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  WEBHOOK_RETRY_SCHEDULE: retrySchedule.default(retrySchedule.parse(DEFAULT_RETRY_SCHEDULE)),
};

export interface WebhookSettings {
  WEBHOOKS: (readonly [string, string])[];
  WEBHOOK_URL?: string;
  WEBHOOK_SECRETS: string[];
  WEBHOOK_ALLOW_PRIVATE: boolean;
  WEBHOOK_RETRY_SCHEDULE: number[];
}

/** Cross-field rules; pushes onto loadConfig's lists. */
export function checkWebhooks(e: WebhookSettings, production: boolean, problems: string[], devDefaults: string[]) {
  const urls = [...e.WEBHOOKS.map(([, u]) => u), ...(e.WEBHOOK_URL ? [e.WEBHOOK_URL] : [])];
  if (urls.length === 0) return;
  if (production && urls.some((u) => new URL(u).protocol !== 'https:')) {
    problems.push('WEBHOOKS/WEBHOOK_URL: endpoints must be https:// in production');
  }
  // Outside production a random per-process secret signs (see the webhooks plugin).
  if (e.WEBHOOK_SECRETS.length === 0) devDefaults.push('WEBHOOK_SECRETS');
}

/** The endpoint of a client, if it has one. */
export function endpointFor(e: Pick<WebhookSettings, 'WEBHOOKS' | 'WEBHOOK_URL'>, clientId: string): string | undefined {
  return e.WEBHOOKS.find(([c]) => c === clientId)?.[1] ?? e.WEBHOOK_URL;
}
