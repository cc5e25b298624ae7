import type { FastifyBaseLogger } from 'fastify';
import type { Config, Locale } from '../config.js';
import { AppError } from '../errors.js';
import { type HttpClient, postOnce, redactProviderText } from './http.js';
import { ProviderFailure, providerFailure } from './provider-errors.js';
import { spokenDigits, voiceText } from './messages.js';
import type { ChannelProvider, DeliveryRequest, DeliveryResult } from './types.js';

// Twilio Programmable Voice (providers.md 4.1): create a call whose inline TwiML reads the code.
// The same TwiML renderers answer the inbound "call us back" webhook (docs/callbacks.md).

export interface TwilioOptions {
  /** e.g. https://api.twilio.com */
  apiUrl: string;
  accountSid: string;
  authToken: string;
  /** Our Twilio number or verified caller id, E.164. */
  from: string;
  /** Where Twilio posts the call's final status: PUBLIC_URL + the status callback path. */
  statusCallbackUrl?: string;
}

/** Every CallStatus Twilio sends (providers.md R.2); `initiated` only in status callbacks. */
export const TWILIO_CALL_STATUSES = ['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled'] as const;

/** A final CallStatus as an attempt status; undefined for the intermediate ones. */
export function twilioCallStatus(status: string): 'delivered' | 'undelivered' | undefined {
  if (status === 'completed') return 'delivered';
  if (status === 'busy' || status === 'no-answer' || status === 'failed' || status === 'canceled') return 'undelivered';
  return undefined;
}

/**
 * Twilio's default <Say> voice ("man") speaks only a few languages and an invalid voice/language
 * pair fails the call, so each locale names a Polly voice that speaks it.
 */
export const TWILIO_VOICES: Record<Locale, string> = {
  ru: 'Polly.Tatyana',
  en: 'Polly.Joanna',
  pt: 'Polly.Camila',
};

/** Twilio errors that mean "this To number cannot be called". */
const INVALID_TO = new Set([21211, 21214, 21217, 21614]);

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);

const say = (locale: Locale, text: string) =>
  `<Say language="${xmlEscape(voiceText[locale].language)}" voice="${xmlEscape(TWILIO_VOICES[locale])}">${xmlEscape(text)}</Say>`;

/**
 * The robot says why it calls once, then the code digit by digit twice (a pause between, so a
 * user who missed it hears it again), then hangs up. `kind`: 'outbound' for our voice call,
 * 'callback' when the user called our flash-call number back.
 */
export function codeTwiml(locale: Locale, code: string, kind: 'outbound' | 'callback'): string {
  const t = voiceText[locale];
  const digits = `${t.codeIs} ${spokenDigits(code)}.`;
  return `<Response>${say(locale, `${t[kind]} ${digits}`)}<Pause length="1"/>${say(locale, digits)}<Hangup/></Response>`;
}

/** The caller has no active code: say so and hang up. */
export function noCodeTwiml(locale: Locale): string {
  return `<Response>${say(locale, voiceText[locale].noCode)}<Hangup/></Response>`;
}

interface TwilioReply {
  sid?: string;
  status?: string | number;
  code?: number;
  message?: string;
}

export class TwilioVoiceProvider implements ChannelProvider {
  readonly channel = 'voice' as const;
  readonly name = 'twilio';
  private readonly endpoint: string;
  private readonly auth: string;

  constructor(
    private readonly opts: TwilioOptions,
    private readonly http: HttpClient,
    private readonly log: FastifyBaseLogger,
  ) {
    this.endpoint = `${opts.apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Calls.json`;
    this.auth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
  }

  async send(req: DeliveryRequest): Promise<DeliveryResult> {
    if (!req.code || !/^\d+$/.test(req.code)) throw new AppError('internal_error', 'Twilio needs our code');
    const form = new URLSearchParams({
      To: req.to,
      From: this.opts.from,
      Twiml: codeTwiml(req.locale, req.code, 'outbound'),
    });
    if (this.opts.statusCallbackUrl) {
      // Without StatusCallbackEvent only `completed` is posted; its CallStatus carries every
      // final state (completed, busy, no-answer, failed, canceled).
      form.set('StatusCallback', this.opts.statusCallbackUrl);
      form.set('StatusCallbackMethod', 'POST');
      form.append('StatusCallbackEvent', 'completed');
    }
    const ctx = { verificationId: req.verificationId, attemptId: req.attemptId, provider: 'twilio' };

    const res = await postOnce(
      this.http,
      'Twilio',
      this.endpoint,
      form.toString(),
      { 'content-type': 'application/x-www-form-urlencoded', authorization: this.auth },
      this.log,
      ctx,
    );
    const reply = res.json as TwilioReply | undefined;
    if (res.status >= 200 && res.status < 300 && typeof reply?.sid === 'string' && reply.sid) {
      this.log.info({ ...ctx, providerRef: reply.sid, providerStatus: reply.status }, 'Twilio call created');
      return { providerRef: reply.sid, status: 'queued' };
    }

    const twilioCode = typeof reply?.code === 'number' ? reply.code : undefined;
    this.log.warn(
      {
        ...ctx,
        httpStatus: res.status,
        twilioCode,
        providerError: typeof reply?.message === 'string' ? redactProviderText(reply.message) : undefined,
      },
      'Twilio refused the call',
    );
    if (res.status >= 400 && res.status < 500 && twilioCode !== undefined && INVALID_TO.has(twilioCode)) {
      throw providerFailure('invalid_phone_number');
    }
    // A server error after the request was sent leaves it unclear whether the call exists.
    if (res.status >= 500) throw providerFailure('provider_unavailable');
    // A success without a call sid: the call may exist, so nobody else tries.
    if (res.status < 300) throw new ProviderFailure('provider_error', false);
    throw providerFailure('provider_error');
  }
}

export function twilioVoiceFromConfig(config: Config, http: HttpClient, log: FastifyBaseLogger): TwilioVoiceProvider {
  const { TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from } = config;
  if (!accountSid || !authToken || !from) {
    throw new Error('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are required for the twilio provider');
  }
  return new TwilioVoiceProvider(
    {
      apiUrl: config.TWILIO_API_URL,
      accountSid,
      authToken,
      from,
      statusCallbackUrl: `${config.PUBLIC_URL.replace(/\/+$/, '')}/v1/callbacks/twilio/status/${encodeURIComponent(config.CALLBACK_TOKEN)}`,
    },
    http,
    log.child({ provider: 'twilio' }),
  );
}
