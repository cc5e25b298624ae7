import { parseArgs } from 'node:util';

// The simulator's knobs, as CLI flags with defaults that finish a run in about a minute: a fast
// workflow (steps of a few seconds) and user delays scaled to it (real users take tens of
// seconds; what matters is the ratio of a step's wait to the time users need to read a code).

export const CHANNELS = ['sms', 'flash_call', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];
export const STRATEGIES = ['sms', 'flash_call', 'auto'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface ProviderModel {
  /** Share of accepted sends that never arrive (an undelivered report; still paid). */
  fail: number;
  /** Seconds from the send until the message arrives or the phone rings. */
  delay: number;
  /** Price of one accepted send (PRICE_<CHANNEL>_<PROVIDER> of the service). */
  price: number;
}

export interface UserModel {
  /** Chance a user notices the delivered code (reads the SMS or the caller's number, answers the call). */
  notice: number;
  /** Seconds from arrival until the code is typed (reading, listening to the robot). */
  read: number;
}

export interface SimOptions {
  n: number;
  concurrency: number;
  seed: number;
  strategies: Strategy[];
  workflow: string;
  currency: string;
  provider: Record<Channel, ProviderModel>;
  user: Record<Channel, UserModel>;
  /** Chance the first code a user types is wrong (a typo; the right one follows). */
  typo: number;
  /** Seconds between a rejected typo and the retyped code. */
  retype: number;
  /** Chance a user never types anything (walks away after the start). */
  abandon: number;
  /** Seconds a user waits for a usable code before giving up. */
  patience: number;
  /** Seconds without a code (since the start, the last resend or the last code seen) before pressing "resend". */
  resendAfter: number;
  /** Resends a user presses at most. */
  resends: number;
}

const FLAGS = {
  n: ['200', 'verifications per strategy'],
  concurrency: ['20', 'users in flight per strategy (the strategies run side by side)'],
  seed: ['1', 'seed of every random choice'],
  strategies: ['sms,flash_call,auto', 'strategies to run'],
  workflow: ['flash_call:3,sms:4,voice', "AUTO_WORKFLOW of the service under test (the 'auto' strategy)"],
  currency: ['RUB', 'PRICE_CURRENCY'],
  'sms-fail': ['0.03', 'share of accepted SMS never delivered'],
  'flash-fail': ['0.1', 'share of accepted flash calls that do not get through'],
  'voice-fail': ['0.05', 'share of accepted voice calls that do not get through'],
  'sms-delay': ['0.5', 'seconds until an SMS arrives'],
  'flash-delay': ['0.3', 'seconds until a flash call rings'],
  'voice-delay': ['1', 'seconds until a voice call rings'],
  'price-sms': ['3.2', 'price of one SMS'],
  'price-flash': ['0.45', 'price of one flash call'],
  'price-voice': ['9', 'price of one voice call'],
  'sms-notice': ['0.97', 'chance a user reads the SMS'],
  'flash-notice': ['0.75', 'chance a user notices the flash call and reads the last 4 digits'],
  'voice-notice': ['0.8', 'chance a user answers the voice call'],
  'sms-read': ['1.5', 'seconds from SMS arrival to the typed code'],
  'flash-read': ['1', 'seconds from the ring to the typed code'],
  'voice-read': ['2', 'seconds from answering to the typed code (the robot dictates)'],
  typo: ['0.1', 'chance the first typed code is wrong'],
  retype: ['1', 'seconds to retype after a wrong code'],
  abandon: ['0.03', 'chance a user never types a code'],
  patience: ['15', 'seconds a user waits for a code before giving up'],
  'resend-after': ['5', 'seconds without a code before a user presses resend (also RESEND_COOLDOWN_SECONDS)'],
  resends: ['1', 'resends a user presses at most'],
} as const;
type Flag = keyof typeof FLAGS;

export function usage(): string {
  const lines = Object.entries(FLAGS).map(([k, [def, help]]) => `  --${k.padEnd(14)} ${help} (default ${def})`);
  return ['npm run simulate -- [flags]', ...lines, '  --keep-logs      keep the service and Redis logs (their folder is printed)'].join('\n');
}

export function parseOptions(argv: string[]): SimOptions & { keepLogs: boolean; help: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' as const }])),
      'keep-logs': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const raw = (k: Flag) => ((values as Record<string, unknown>)[k] as string | undefined) ?? FLAGS[k][0];
  const num = (k: Flag, min: number, max: number, whole = false) => {
    const v = Number(raw(k));
    if (!Number.isFinite(v) || v < min || v > max || (whole && !Number.isInteger(v))) {
      throw new Error(`--${k}: expected ${whole ? 'a whole number' : 'a number'} in ${min}..${max}, got "${raw(k)}"`);
    }
    return v;
  };
  const share = (k: Flag) => num(k, 0, 1);
  const secs = (k: Flag) => num(k, 0, 600);
  const strategies = raw('strategies').split(',').map((s) => s.trim());
  for (const s of strategies) if (!(STRATEGIES as readonly string[]).includes(s)) throw new Error(`--strategies: unknown "${s}"`);
  if (!/^[A-Z]{3}$/.test(raw('currency'))) throw new Error('--currency: an ISO 4217 code like RUB');
  return {
    n: num('n', 1, 100_000, true),
    concurrency: num('concurrency', 1, 1000, true),
    seed: num('seed', 0, 2 ** 32 - 1, true),
    strategies: strategies as Strategy[],
    workflow: raw('workflow'),
    currency: raw('currency'),
    provider: {
      sms: { fail: share('sms-fail'), delay: secs('sms-delay'), price: num('price-sms', 0, 1e6) },
      flash_call: { fail: share('flash-fail'), delay: secs('flash-delay'), price: num('price-flash', 0, 1e6) },
      voice: { fail: share('voice-fail'), delay: secs('voice-delay'), price: num('price-voice', 0, 1e6) },
    },
    user: {
      sms: { notice: share('sms-notice'), read: secs('sms-read') },
      flash_call: { notice: share('flash-notice'), read: secs('flash-read') },
      voice: { notice: share('voice-notice'), read: secs('voice-read') },
    },
    typo: share('typo'),
    retype: secs('retype'),
    abandon: share('abandon'),
    patience: secs('patience'),
    resendAfter: num('resend-after', 1, 3600, true),
    resends: num('resends', 0, 100, true),
    keepLogs: values['keep-logs'] as boolean,
    help: values.help as boolean,
  };
}

/** The defaults, for callers (tests) that change a few fields. */
export const defaultOptions = (): SimOptions => {
  const { keepLogs: _k, help: _h, ...o } = parseOptions([]);
  return o;
};
