import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { type HttpClient, postOnce, redactProviderText } from './http.js';
import { smsText } from './messages.js';
import { ProviderFailure, providerFailure } from './provider-errors.js';
import { classifySmsRuError, smsRuCode, smsRuDeliveryStatus } from './smsru-codes.js';
import type { ChannelProvider, DeliveryRequest, DeliveryResult, PolledStatus } from './types.js';

// SMS.ru (providers.md R.4): form POSTs with `api_id` and `json=1`, HTTP 200 even for errors,
// a top-level status plus one per number. SMS through /sms/send (status by /sms/status and by
// its callback), flash calls through /code/call, where SMS.ru chooses the code and returns it.

export interface SmsRuOptions {
  /** Base URL, e.g. https://sms.ru */
  url: string;
  apiId: string;
  /** An approved sender name; SMS.ru's default sender when unset. */
  from?: string;
}

type Reply = Record<string, any>;

/** Ids per /sms/status request (SMS.ru states no maximum; kept small). */
const STATUS_BATCH = 20;

export class SmsRuClient {
  private readonly base: string;

  constructor(
    private readonly opts: SmsRuOptions,
    private readonly http: HttpClient,
    readonly log: FastifyBaseLogger,
  ) {
    this.base = opts.url.replace(/\/+$/, '');
  }

  get sender() {
    return this.opts.from;
  }

  /** One POST; a readable JSON object or a failure (never retried: it may have been queued). */
  async post(path: string, fields: Record<string, string>, ctx: Record<string, unknown>): Promise<Reply> {
    const body = new URLSearchParams({ api_id: this.opts.apiId, json: '1', ...fields }).toString();
    const res = await postOnce(this.http, 'SMS.ru', `${this.base}${path}`, body, { 'content-type': 'application/x-www-form-urlencoded' }, this.log, ctx);
    if (!res.json || typeof res.json !== 'object') {
      this.log.warn({ ...ctx, httpStatus: res.status }, 'SMS.ru answered something unreadable; not retrying');
      throw res.status >= 500 ? providerFailure('provider_unavailable') : new ProviderFailure('provider_error', false);
    }
    return res.json as Reply;
  }

  /** A refusal (top level or per number), classified by status_code, logged for the operator. */
  refusal(entry: Reply, ctx: Record<string, unknown>): ProviderFailure {
    const code = smsRuCode(entry.status_code);
    const { failure, operator } = classifySmsRuError(code);
    const fields = {
      ...ctx,
      providerCode: code ?? null,
      providerError: typeof entry.status_text === 'string' ? redactProviderText(entry.status_text) : undefined,
      outcome: failure.code,
    };
    if (operator) this.log.error(fields, 'SMS.ru refused: check the SMS.ru account and SMSRU_* settings');
    else this.log.warn(fields, 'SMS.ru refused the request');
    return failure;
  }

  async pollStatus(refs: string[]): Promise<PolledStatus[]> {
    const out: PolledStatus[] = [];
    for (let i = 0; i < refs.length; i += STATUS_BATCH) {
      const batch = refs.slice(i, i + STATUS_BATCH);
      const ctx = { provider: 'smsru', operation: 'status', ids: batch.length };
      const reply = await this.post('/sms/status', { sms_id: batch.join(',') }, ctx);
      if (reply.status !== 'OK') throw this.refusal(reply, ctx);
      for (const ref of batch) {
        const entry = reply.sms?.[ref] as Reply | undefined;
        const code = smsRuCode(entry?.status_code);
        // -1: SMS.ru does not know the id (any more): nothing more will come.
        if (!entry || code === -1) out.push({ ref, gone: true });
        else out.push({ ref, status: smsRuDeliveryStatus(code) });
      }
    }
    return out;
  }
}

export class SmsRuSmsProvider implements ChannelProvider {
  readonly channel = 'sms' as const;
  readonly name = 'smsru';

  constructor(private readonly client: SmsRuClient) {}

  async send(req: DeliveryRequest): Promise<DeliveryResult> {
    if (!req.code) throw new Error('smsru: DeliveryRequest.code is required');
    const to = req.to.replace(/\D/g, '');
    const ctx = { provider: this.name, verificationId: req.verificationId, attemptId: req.attemptId };
    const sender = req.sender ?? this.client.sender;
    const reply = await this.client.post(
      '/sms/send',
      {
        to,
        msg: smsText[req.locale](req.code),
        ...(sender ? { from: sender } : {}),
        ...(req.clientIp ? { ip: req.clientIp } : {}),
      },
      ctx,
    );
    if (reply.status !== 'OK') throw this.client.refusal(reply, ctx);
    // A top-level OK only means the request was fine: the number's own entry decides. An
    // entry may carry an sms_id and still be a refusal (a live 221 reply does).
    const entry = (reply.sms?.[to] ?? Object.values(reply.sms ?? {})[0]) as Reply | undefined;
    if (!entry || typeof entry !== 'object') {
      this.client.log.error(ctx, 'SMS.ru reply without an entry for the number');
      throw new ProviderFailure('provider_error', false);
    }
    if (entry.status !== 'OK') throw this.client.refusal(entry, ctx);
    const providerRef = typeof entry.sms_id === 'string' || typeof entry.sms_id === 'number' ? String(entry.sms_id) : '';
    if (!providerRef) this.client.log.warn(ctx, 'SMS.ru queued the message but returned no sms_id');
    return { providerRef, status: 'queued' };
  }

  pollStatus(refs: string[]): Promise<PolledStatus[]> {
    return this.client.pollStatus(refs);
  }
}

export class SmsRuFlashCallProvider implements ChannelProvider {
  readonly channel = 'flash_call' as const;
  readonly name = 'smsru';
  /** SMS.ru rings from a random number and tells us its last 4 digits. */
  readonly choosesCode = true;
  readonly codeLength = 4;

  constructor(private readonly client: SmsRuClient) {}

  async send(req: DeliveryRequest): Promise<DeliveryResult> {
    const ctx = { provider: this.name, verificationId: req.verificationId, attemptId: req.attemptId, operation: 'code/call' };
    // `ip` is the end user's (anti-fraud); SMS.ru's clients send -1 when there is none.
    const reply = await this.client.post('/code/call', { phone: req.to.replace(/\D/g, ''), ip: req.clientIp ?? '-1' }, ctx);
    if (reply.status !== 'OK') throw this.client.refusal(reply, ctx);
    const code = typeof reply.code === 'string' || typeof reply.code === 'number' ? String(reply.code).padStart(4, '0') : '';
    const callId = typeof reply.call_id === 'string' || typeof reply.call_id === 'number' ? String(reply.call_id) : '';
    if (!/^\d{4}$/.test(code)) {
      // The call is placed but we cannot know its code: nobody else may call again.
      this.client.log.error(ctx, 'SMS.ru reply without a 4-digit code');
      throw new ProviderFailure('provider_error', false);
    }
    this.client.log.info({ ...ctx, providerRef: callId }, 'SMS.ru call placed');
    return { providerRef: callId, status: 'sent', code };
  }
}

export function smsRuClientFromConfig(config: Config, http: HttpClient, log: FastifyBaseLogger): SmsRuClient {
  if (!config.SMSRU_API_ID) throw new Error('SMSRU_API_ID is required for the smsru provider');
  return new SmsRuClient({ url: config.SMSRU_URL, apiId: config.SMSRU_API_ID, from: config.SMSRU_FROM }, http, log.child({ provider: 'smsru' }));
}
