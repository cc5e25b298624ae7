import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { type HttpClient, postOnce, redactProviderText } from './http.js';
import type { ChannelProvider, DeliveryRequest, DeliveryResult } from './types.js';

// uCaller (providers.md 3.1): one endpoint, initCall, for both a flash call (the caller number
// ends in the code) and, with voice:true, a call in which a robot reads the code.
//
// Wire decisions:
// - `phone` is sent as a JSON number, as uCaller documents it (E.164 has at most 15 digits,
//   well inside 2^53).
// - `code` is sent as a 4-digit JSON *string*: a number would turn "0123" into 123. uCaller's
//   GET form takes the code as text anyway, and it answers with a number or a string, so the
//   reply is normalised with padStart(4, '0').
// - `unique` is the attempt id: a repeat with the same id never rings twice (uCaller answers
//   the first call again with exists:true). We never retry ourselves.

export interface UcallerOptions {
  /** Base URL, e.g. https://api.ucaller.ru/v1.0 */
  url: string;
  serviceId: string;
  key: string;
}

interface InitCallReply {
  status?: boolean;
  ucaller_id?: number | string;
  code?: number | string;
  error?: string;
  exists?: boolean;
}

/** The shared client: one POST /initCall, its reply mapped to DeliveryResult or AppError. */
export class UcallerClient {
  private readonly endpoint: string;

  constructor(
    private readonly opts: UcallerOptions,
    private readonly http: HttpClient,
    private readonly log: FastifyBaseLogger,
  ) {
    this.endpoint = `${opts.url.replace(/\/+$/, '')}/initCall`;
  }

  async initCall(req: DeliveryRequest, opts: { voice: boolean; sendCode: boolean }): Promise<DeliveryResult> {
    const digits = req.to.replace(/^\+/, '');
    if (!/^\d{8,15}$/.test(digits)) throw new AppError('invalid_phone_number', 'not an E.164 number');
    const code = opts.sendCode ? req.code : undefined;
    if (opts.sendCode && code === undefined) throw new AppError('internal_error', 'uCaller needs our code');
    if (code !== undefined && !/^\d{4}$/.test(code)) {
      // uCaller takes exactly 4 digits (flash-call codes always are; a voice code must be too).
      throw new AppError('channel_not_available', 'uCaller delivers 4-digit codes only');
    }
    const body: Record<string, unknown> = { phone: Number(digits), unique: req.attemptId };
    if (code !== undefined) body.code = code;
    if (opts.voice) body.voice = true;

    const ctx = { verificationId: req.verificationId, attemptId: req.attemptId, provider: 'ucaller', voice: opts.voice };
    const res = await postOnce(
      this.http,
      'uCaller',
      this.endpoint,
      JSON.stringify(body),
      { 'content-type': 'application/json', authorization: `Bearer ${this.opts.key}.${this.opts.serviceId}` },
      this.log,
      ctx,
    );
    const reply = res.json as InitCallReply | undefined;
    if (res.status < 200 || res.status >= 300 || !reply || typeof reply !== 'object' || reply.status !== true) {
      const text = typeof reply?.error === 'string' ? redactProviderText(reply.error) : undefined;
      this.log.warn({ ...ctx, httpStatus: res.status, providerError: text }, 'uCaller refused the call');
      // uCaller has no documented error codes for a bad number; its texts name the phone.
      if (text && /phone|номер|телефон/i.test(text)) {
        throw new AppError('invalid_phone_number', 'uCaller rejected the phone number');
      }
      throw new AppError('provider_error', text ? `uCaller: ${text}` : `uCaller answered HTTP ${res.status}`);
    }
    if (reply.ucaller_id === undefined || reply.ucaller_id === null || reply.ucaller_id === '') {
      this.log.warn({ ...ctx }, 'uCaller reply without ucaller_id');
      throw new AppError('provider_error', 'uCaller reply without ucaller_id');
    }

    const result: DeliveryResult = { providerRef: String(reply.ucaller_id), status: 'sent' };
    const replied = normaliseCode(reply.code);
    if (code === undefined) {
      // Provider-chosen code: without it the user's code could never be checked.
      if (!replied) throw new AppError('provider_error', 'uCaller reply without a code');
      result.code = replied;
    } else if (replied && replied !== code) {
      // uCaller placed the call with other digits (e.g. an earlier call of the same `unique`):
      // what the user sees is what counts.
      result.code = replied;
    }
    this.log.info({ ...ctx, providerRef: result.providerRef, exists: reply.exists === true }, 'uCaller call placed');
    return result;
  }
}

/** 123 or "0123" → "0123"; anything that is not 1–4 digits → undefined. */
function normaliseCode(v: unknown): string | undefined {
  const s = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v) : typeof v === 'string' ? v.trim() : '';
  return /^\d{1,4}$/.test(s) ? s.padStart(4, '0') : undefined;
}

export class UcallerFlashCallProvider implements ChannelProvider {
  readonly channel = 'flash_call' as const;
  readonly name = 'ucaller';
  readonly choosesCode: boolean;
  /** uCaller calls carry exactly 4 digits. */
  readonly codeLength = 4;

  /** providerPicksCode: send no code and use the 4 digits uCaller chose (returned as `code`). */
  constructor(
    private readonly client: UcallerClient,
    opts: { providerPicksCode?: boolean } = {},
  ) {
    this.choosesCode = opts.providerPicksCode === true;
  }

  send(req: DeliveryRequest): Promise<DeliveryResult> {
    return this.client.initCall(req, { voice: false, sendCode: !this.choosesCode });
  }
}

export class UcallerVoiceProvider implements ChannelProvider {
  readonly channel = 'voice' as const;
  readonly name = 'ucaller';
  /** uCaller's robot reads exactly 4 digits: the core must make voice codes 4 long for it. */
  readonly codeLength = 4;

  constructor(private readonly client: UcallerClient) {}

  send(req: DeliveryRequest): Promise<DeliveryResult> {
    return this.client.initCall(req, { voice: true, sendCode: true });
  }
}

function ucallerClientFromConfig(config: Config, http: HttpClient, log: FastifyBaseLogger): UcallerClient {
  if (!config.UCALLER_KEY || !config.UCALLER_SERVICE_ID) {
    throw new Error('UCALLER_KEY and UCALLER_SERVICE_ID are required for the ucaller provider');
  }
  return new UcallerClient(
    { url: config.UCALLER_URL, serviceId: config.UCALLER_SERVICE_ID, key: config.UCALLER_KEY },
    http,
    log.child({ provider: 'ucaller' }),
  );
}

export function ucallerFlashCallFromConfig(
  config: Config,
  http: HttpClient,
  log: FastifyBaseLogger,
  opts: { providerPicksCode?: boolean } = {},
): UcallerFlashCallProvider {
  return new UcallerFlashCallProvider(ucallerClientFromConfig(config, http, log), opts);
}

export function ucallerVoiceFromConfig(config: Config, http: HttpClient, log: FastifyBaseLogger): UcallerVoiceProvider {
  return new UcallerVoiceProvider(ucallerClientFromConfig(config, http, log));
}
