import { z } from 'zod';

// The provider settings of docs/providers.md: each channel's ordered provider list (failover,
// or `none` for a channel that is off) and SMS.ru's account. config.ts spreads these in.

export const CHANNEL_PROVIDERS = {
  sms: ['smstraffic', 'smsru', 'console'],
  flash_call: ['ucaller', 'smsru', 'console'],
  voice: ['ucaller', 'twilio', 'console'],
} as const;

export type ProviderName = 'smstraffic' | 'smsru' | 'ucaller' | 'twilio' | 'console';

/** `smstraffic,smsru` → ['smstraffic','smsru']; `none` → [] (the channel is off). */
const providerList = (allowed: readonly string[]) =>
  z.string().transform((s, ctx) => {
    const names = s.split(',').map((x) => x.trim()).filter(Boolean);
    if (names.length === 1 && names[0] === 'none') return [] as ProviderName[];
    for (const n of names) {
      if (!allowed.includes(n)) {
        ctx.addIssue({ code: 'custom', message: `unknown provider "${n}" (one of ${allowed.join(', ')}, or none alone)` });
        return z.NEVER;
      }
    }
    if (names.length === 0 || new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', message: 'expected an ordered list of distinct providers, or none' });
      return z.NEVER;
    }
    return names as ProviderName[];
  });

export const providerSettings = {
  SMS_PROVIDER: providerList(CHANNEL_PROVIDERS.sms).default(['console']),
  FLASH_CALL_PROVIDER: providerList(CHANNEL_PROVIDERS.flash_call).default(['console']),
  VOICE_PROVIDER: providerList(CHANNEL_PROVIDERS.voice).default(['console']),
  SMSRU_URL: z.string().url().default('https://sms.ru'),
  SMSRU_API_ID: z.string().min(1).optional(),
  SMSRU_FROM: z.string().min(1).max(11).optional(),
};

type Lists = { SMS_PROVIDER: ProviderName[]; FLASH_CALL_PROVIDER: ProviderName[]; VOICE_PROVIDER: ProviderName[] };

/** Start-up problems of the provider settings (every environment), for loadConfig. */
export function providerProblems(e: Lists & Record<string, unknown>): string[] {
  const problems: string[] = [];
  const all = [...e.SMS_PROVIDER, ...e.FLASH_CALL_PROVIDER, ...e.VOICE_PROVIDER];
  if (all.length === 0) problems.push('SMS_PROVIDER, FLASH_CALL_PROVIDER, VOICE_PROVIDER: at least one channel must be on (not none)');
  const need = (provider: ProviderName, vars: string[]) => {
    if (!all.includes(provider)) return;
    for (const v of vars) if (!e[v]) problems.push(`${v}: required with the ${provider} provider`);
  };
  need('smstraffic', ['SMSTRAFFIC_LOGIN', 'SMSTRAFFIC_PASSWORD']);
  need('ucaller', ['UCALLER_SERVICE_ID', 'UCALLER_KEY']);
  need('twilio', ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM']);
  need('smsru', ['SMSRU_API_ID']);
  return problems;
}
