import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { type HttpClient, postOnce, redactProviderText } from './http.js';
import { ProviderFailure, providerFailure } from './provider-errors.js';
import type { ChannelProvider, DeliveryRequest, DeliveryResult, PolledStatus } from './types.js';
import { classifyUcallerError, ucallerErrorCode } from './ucaller-errors.js';

// uCaller (providers.md R.1): initCall for both a flash call (the caller number ends in the
// code) and, with voice:true, a call in which a robot reads the code; getInfo for the call's
// status (there is no callback for initCall).
//
// Wire decisions:
// - `phone` is sent as a JSON number, as uCaller documents it (E.164 fits well inside 2^53).
// - `code` is sent as a 4-digit JSON *string*: a number would turn "0123" into 123. Replies
//   carry it as a string (or, in older replies, a number): normalised with padStart(4, '0').
// - `unique` is the attempt id: a repeat with the same id never rings twice. We never retry.
// - The code in the reply is what the user sees, and becomes the verification's code when it
//   differs from ours (uCaller's pool of caller numbers is finite).

export interface UcallerOptions {
  /** Base URL, e.g. https://api.ucaller.ru/v1.0 */
  url: string;
  serviceId: string;
  key: string;
}

interface UcallerReply {
  status?: boolean;
  ucaller_id?: number | string;
  code?: number | string;
  error?: string;
  exists?: boolean;
  call_status?: number | string;
}

/** getInfo calls in flight at once during a poll round. */
const POLL_CONCURRENCY = 4;

/** The shared client: initCall and getInfo, their replies mapped to results or failures. */
export class UcallerClient {
  private readonly base: string;
  private readonly auth: string;

  constructor(
    opts: UcallerOptions,
    private readonly http: HttpClient,
    private readonly log: FastifyBaseLogger,
  ) {
    this.base = opts.url.replace(/\/+$/, '');
    this.auth = `Bearer ${opts.key}.${opts.serviceId}`;
  }

  private post(method: string, body: unknown, ctx: Record<string, unknown>) {
    const headers = { 'content-type': 'application/json', authorization: this.auth };
    return postOnce(this.http, 'uCaller', `${this.base}/${method}`, JSON.stringify(body), headers, this.log, ctx);
  }

  async initCall(req: DeliveryRequest, opts: { voice: boolean; sendCode: boolean }): Promise<DeliveryResult> {
    const digits = req.to.replace(/^\+/, '');
    if (!/^\d{8,15}$/.test(digits)) throw providerFailure('invalid_phone_number');
    const code = opts.sendCode ? req.code : undefined;
    if (opts.sendCode && code === undefined) throw new AppError('internal_error', 'uCaller needs our code');
    if (code !== undefined && !/^\d{4}$/.test(code)) {
      // uCaller takes exactly 4 digits (flash-call codes always are; a voice code must be too).
      throw providerFailure('channel_not_available');
    }
    const body: Record<string, unknown> = { phone: Number(digits), unique: req.attemptId };
    if (code !== undefined) body.code = code;
    if (opts.voice) body.voice = true;

    const ctx = { verificationId: req.verificationId, attemptId: req.attemptId, provider: 'ucaller', voice: opts.voice };
    const res = await this.post('initCall', body, ctx);
    const reply = res.json as UcallerReply | undefined;
    if (!reply || typeof reply !== 'object' || reply.status !== true) {
      throw this.refusal(res.status, res.headers['retry-after'], reply, ctx);
    }
    if (reply.ucaller_id === undefined || reply.ucaller_id === null || reply.ucaller_id === '') {
      this.log.error({ ...ctx }, 'uCaller reply without ucaller_id');
      throw providerFailure('provider_error');
    }

    const result: DeliveryResult = { providerRef: String(reply.ucaller_id), status: 'sent' };
    const replied = normaliseCode(reply.code);
    if (code === undefined) {
      // Provider-chosen code: without it the user's code could never be checked.
      if (!replied) {
        this.log.error({ ...ctx }, 'uCaller reply without a code');
        throw providerFailure('provider_error');
      }
      result.code = replied;
    } else if (replied && replied !== code) {
      // The call rings from a number that does not end in our code: what the user sees counts.
      this.log.warn({ ...ctx, providerRef: result.providerRef }, 'uCaller rang with other digits than ours; using its code');
      result.code = replied;
    }
    this.log.info({ ...ctx, providerRef: result.providerRef, exists: reply.exists === true }, 'uCaller call placed');
    return result;
  }

  /** getInfo for each call id, a few at a time: -1 still calling, 0 not reached, 1 placed. */
  async pollStatus(refs: string[]): Promise<PolledStatus[]> {
    const out: PolledStatus[] = [];
    for (let i = 0; i < refs.length; i += POLL_CONCURRENCY) {
      const batch = refs.slice(i, i + POLL_CONCURRENCY);
      out.push(...(await Promise.all(batch.map((ref) => this.getInfo(ref)))));
    }
    return out;
  }

  private async getInfo(ref: string): Promise<PolledStatus> {
    const ctx = { provider: 'ucaller', operation: 'getInfo', providerRef: ref };
    const res = await this.post('getInfo', { uid: Number(ref) }, ctx);
    const reply = res.json as UcallerReply | undefined;
    if (!reply || typeof reply !== 'object' || reply.status !== true) {
      // 10: the id does not exist (or is not ours): nothing more will come for it.
      if (ucallerErrorCode(reply?.code) === 10) return { ref, gone: true };
      throw this.refusal(res.status, undefined, reply, ctx);
    }
    const callStatus = Number(reply.call_status);
    if (callStatus === 0) return { ref, status: 'undelivered' };
    // 1: the network took the call (not proof that the user saw it).
    if (callStatus === 1) return { ref, status: 'delivered' };
    return { ref }; // -1: still being determined
  }

  /** A status:false (or unreadable) reply, classified by its numeric code only. */
  private refusal(httpStatus: number, retryAfter: unknown, reply: UcallerReply | undefined, ctx: Record<string, unknown>) {
    if (!reply || typeof reply !== 'object') {
      // Unreadable after the request was sent: the call may be placed, so nobody else tries.
      this.log.warn({ ...ctx, httpStatus }, 'uCaller answered something unreadable; not retrying');
      return httpStatus >= 500 ? providerFailure('provider_unavailable') : new ProviderFailure('provider_error', false);
    }
    const code = ucallerErrorCode(reply?.code);
    const seconds = typeof retryAfter === 'string' && /^\d{1,5}$/.test(retryAfter) ? Number(retryAfter) : undefined;
    const { failure, operator } = classifyUcallerError(code, seconds);
    const fields = {
      ...ctx,
      httpStatus,
      providerCode: code ?? null,
      providerError: typeof reply?.error === 'string' ? redactProviderText(reply.error) : undefined,
      outcome: failure.code,
    };
    if (operator) this.log.error(fields, 'uCaller refused: check the uCaller account and UCALLER_* settings');
    else this.log.warn(fields, 'uCaller refused the request');
    return failure;
  }
}

/** 123 or "0123" → "0123"; anything that is not 1–4 digits → undefined. */
function normaliseCode(v: unknown): string | undefined {
  const s = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v) : typeof v === 'string' ? v.trim() : '';
  return /^\d{1,4}$/.test(s) ? s.padStart(4, '0') : undefined;
}

abstract class UcallerProvider implements ChannelProvider {
  abstract readonly channel: ChannelProvider['channel'];
  readonly name = 'ucaller';
  /** uCaller calls carry exactly 4 digits, and it refuses 0000. */
  readonly codeLength = 4;
  readonly forbidsZeroCode = true;
  readonly pollsWithoutPush = true;

  constructor(protected readonly client: UcallerClient) {}

  abstract send(req: DeliveryRequest): Promise<DeliveryResult>;

  pollStatus(refs: string[]): Promise<PolledStatus[]> {
    return this.client.pollStatus(refs);
  }
}

export class UcallerFlashCallProvider extends UcallerProvider {
  readonly channel = 'flash_call' as const;
  readonly choosesCode: boolean;

  /** providerPicksCode: send no code and use the 4 digits uCaller chose (returned as `code`). */
  constructor(client: UcallerClient, opts: { providerPicksCode?: boolean } = {}) {
    super(client);
    this.choosesCode = opts.providerPicksCode === true;
  }

  send(req: DeliveryRequest): Promise<DeliveryResult> {
    return this.client.initCall(req, { voice: false, sendCode: !this.choosesCode });
  }
}

export class UcallerVoiceProvider extends UcallerProvider {
  readonly channel = 'voice' as const;

  send(req: DeliveryRequest): Promise<DeliveryResult> {
    return this.client.initCall(req, { voice: true, sendCode: true });
  }
}

export function ucallerClientFromConfig(config: Config, http: HttpClient, log: FastifyBaseLogger): UcallerClient {
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
