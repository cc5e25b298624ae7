import type { FastifyBaseLogger } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import type { Config } from '../config.js';
import { ProviderHttpError, redactProviderText, type HttpClient } from './http.js';
import { smsText } from './messages.js';
import { ProviderFailure, providerFailure } from './provider-errors.js';
import type { ChannelProvider, DeliveryRequest, DeliveryResult, PolledStatus } from './types.js';

// SMS Traffic HTTP API (providers.md section 1): form POST to multi.php, XML reply, HTTP 200
// even for API errors. Failover to the reserve host only when nothing can have been queued:
// a connection that never opened, or the documented "temporary error, try the reserve" code 1000.

export interface SmsTrafficOptions {
  url: string;
  reserveUrl: string;
  login: string;
  password: string;
  originator: string;
  http: HttpClient;
  log: FastifyBaseLogger;
}

export type DeliveryStatus = 'delivered' | 'undelivered' | 'sent';

export interface SmsStatus {
  smsId: string;
  /** The provider's raw status ('' while queued). */
  status: string;
  mapped: DeliveryStatus | undefined;
  /** last_status_change_date, when given. */
  at?: Date;
  /** Per-id error, e.g. "no such message" once statuses are archived (~2 days). */
  error?: string;
}

/** Ids per operation=status request: a client library caps at 15 (providers.md 1.4). */
export const STATUS_BATCH = 15;

const BAD_NUMBER = (code: number) => code >= 425 && code <= 432;
/** Refusals that no retry fixes: the operator must fix the account or the settings. */
const ACCOUNT_ERRORS = new Set([401, 402, 403, 404, 405, 411, 412, 415, 419, 436, 439]);
const TEMPORARY = 1000;

// Ids are unsigned 64-bit (or wider): keep every value a string, never a JS number.
const parser = new XMLParser({ parseTagValue: false, ignoreAttributes: true, ignoreDeclaration: true });

type Node = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown): Node[] =>
  v === undefined || v === '' ? [] : (Array.isArray(v) ? v : [v]).filter((x): x is Node => typeof x === 'object' && x !== null);

/** Thrown by one host's attempt when the other host may be tried safely. */
class TryReserve extends Error {}

export class SmsTrafficProvider implements ChannelProvider {
  readonly channel = 'sms' as const;
  readonly name = 'smstraffic';

  constructor(private readonly opts: SmsTrafficOptions) {}

  async send(req: DeliveryRequest): Promise<DeliveryResult> {
    // SMS Traffic does not choose codes (choosesCode is unset): the core always passes one.
    if (!req.code) throw new Error('smstraffic: DeliveryRequest.code is required');
    const ctx = { provider: this.name, verificationId: req.verificationId, attemptId: req.attemptId };
    const reply = await this.call(
      {
        phones: req.to.replace(/\D/g, ''),
        message: smsText[req.locale](req.code),
        originator: req.sender ?? this.opts.originator,
        rus: '5', // UTF-8 in, UCS-2 out: 70 chars per part, every locale's text fits (tested)
        want_sms_ids: '1',
        // The texts fit one part; 2 is a margin so a longer future text is split, not
        // truncated (truncation could cut the code off), at the cost of a second part.
        max_parts: '2',
      },
      ctx,
    );
    if (str(reply.result) === 'OK') {
      // One message_info per part: the first part's id stands for the message.
      const info = list((reply.message_infos as Node | undefined)?.message_info)[0];
      const providerRef = str(info?.sms_id) || str(info?.id);
      if (!providerRef) this.opts.log.warn(ctx, 'SMS Traffic queued the message but returned no sms_id');
      return { providerRef, status: 'queued' };
    }
    throw this.refusal(reply, ctx);
  }

  /** Polls delivery statuses (operation=status), STATUS_BATCH ids per request. */
  async queryStatus(smsIds: string[]): Promise<SmsStatus[]> {
    const out: SmsStatus[] = [];
    for (let i = 0; i < smsIds.length; i += STATUS_BATCH) {
      const batch = smsIds.slice(i, i + STATUS_BATCH);
      const ctx = { provider: this.name, operation: 'status', ids: batch.length };
      const reply = await this.call({ operation: 'status', sms_id: batch.join(',') }, ctx);
      if (str(reply.result) === 'ERROR') {
        // 434 "no such message / not yours": archived or foreign ids, an answer per id.
        if (Number(str(reply.code)) !== 434) throw this.refusal(reply, ctx);
        for (const smsId of batch) out.push({ smsId, status: '', mapped: undefined, error: str(reply.description) });
        continue;
      }
      // Several ids: one <sms> each. One id: the same fields directly under <reply>.
      const items = reply.sms !== undefined ? list(reply.sms) : [reply];
      for (const item of items) {
        const status = str(item.status);
        const at = parseDeliveryDate(str(item.last_status_change_date));
        const error = str(item.error);
        out.push({
          smsId: str(item.sms_id),
          status,
          mapped: mapDeliveryStatus(status),
          ...(at ? { at } : {}),
          ...(error ? { error } : {}),
        });
      }
    }
    return out;
  }

  async pollStatus(refs: string[]): Promise<PolledStatus[]> {
    const statuses = await this.queryStatus(refs);
    return statuses.map((s) => ({ ref: s.smsId, status: s.mapped, gone: !!s.error }));
  }

  /** Main host, then the reserve once when that is safe (see TryReserve). */
  private async call(fields: Record<string, string>, ctx: Node): Promise<Node> {
    const body = new URLSearchParams({ login: this.opts.login, password: this.opts.password, ...fields }).toString();
    try {
      return await this.post(this.opts.url, body, ctx);
    } catch (err) {
      if (!(err instanceof TryReserve)) throw err;
      this.opts.log.warn({ ...ctx, reason: err.message }, 'SMS Traffic main host failed; trying the reserve host');
    }
    try {
      return await this.post(this.opts.reserveUrl, body, ctx);
    } catch (err) {
      if (!(err instanceof TryReserve)) throw err;
      this.opts.log.error({ ...ctx, reason: err.message }, 'SMS Traffic main and reserve hosts both failed');
      // Neither host took the request (no connection, or "temporary error, nothing queued").
      throw providerFailure('provider_unavailable', { beforeSend: true });
    }
  }

  /** One request to one host: the parsed <reply>, or an error saying whether to fail over. */
  private async post(url: string, body: string, ctx: Node): Promise<Node> {
    const host = new URL(url).host;
    let res;
    try {
      res = await this.opts.http.post(url, body, {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      });
    } catch (err) {
      if (err instanceof ProviderHttpError && err.phase === 'connect') throw new TryReserve(`${host}: ${err.message}`);
      // Sent but unanswered: it may be queued, so never again (docs/errors.md, provider_unavailable).
      this.opts.log.warn({ ...ctx, host, reason: (err as Error).message }, 'SMS Traffic did not answer; not retrying');
      throw providerFailure('provider_unavailable');
    }
    // SMS Traffic answers 200 even for API errors. A 5xx came after the request was sent
    // (a proxy or the application may have queued it): no failover, report "unavailable".
    // Any other non-200 or an unreadable body means a wrong URL or a changed API: "error".
    if (res.status >= 500) {
      this.opts.log.warn({ ...ctx, host, httpStatus: res.status }, 'SMS Traffic answered a server error; not retrying');
      throw providerFailure('provider_unavailable');
    }
    let reply: Node | undefined;
    if (res.status >= 200 && res.status < 300) {
      try {
        const doc = parser.parse(res.body, true) as Node;
        if (typeof doc.reply === 'object' && doc.reply !== null) reply = doc.reply as Node;
      } catch {
        // falls through to "unreadable"
      }
    }
    if (!reply) {
      this.opts.log.error({ ...ctx, host, httpStatus: res.status }, 'SMS Traffic reply unreadable: check SMSTRAFFIC_URL');
      // Unreadable: whether the message was queued is unclear, so no other provider tries.
      throw new ProviderFailure('provider_error', false);
    }
    if (str(reply.result) === 'ERROR' && Number(str(reply.code)) === TEMPORARY) {
      throw new TryReserve(`${host}: code 1000 (temporary error)`);
    }
    return reply;
  }

  /** An ERROR reply as the failure of the ChannelProvider contract, logged for the operator. */
  private refusal(reply: Node, ctx: Node): ProviderFailure {
    const code = Number(str(reply.code));
    // The provider's text may quote what we sent: mask long digit runs (phones, codes).
    const description = redactProviderText(str(reply.description));
    const fields = { ...ctx, providerCode: code, description };
    if (BAD_NUMBER(code)) {
      this.opts.log.info(fields, 'SMS Traffic refused the phone number');
      return providerFailure('invalid_phone_number');
    }
    if (ACCOUNT_ERRORS.has(code)) {
      this.opts.log.error(fields, 'SMS Traffic refused the request: check the account and SMSTRAFFIC_* settings');
    } else {
      this.opts.log.warn(fields, 'SMS Traffic refused the request');
    }
    return providerFailure('provider_error');
  }
}

export function smsTrafficFromConfig(config: Config, http: HttpClient, log: FastifyBaseLogger): SmsTrafficProvider {
  if (!config.SMSTRAFFIC_LOGIN || !config.SMSTRAFFIC_PASSWORD) {
    throw new Error('SMSTRAFFIC_LOGIN and SMSTRAFFIC_PASSWORD are required for the smstraffic provider');
  }
  return new SmsTrafficProvider({
    url: config.SMSTRAFFIC_URL,
    reserveUrl: config.SMSTRAFFIC_RESERVE_URL,
    login: config.SMSTRAFFIC_LOGIN,
    password: config.SMSTRAFFIC_PASSWORD,
    originator: config.SMSTRAFFIC_ORIGINATOR,
    http,
    log,
  });
}

/**
 * A delivery-report or status-poll value as an attempt status; undefined for intermediate or
 * unknown values (nothing to record yet). Also reads the Smart-Delivery upper-case statuses.
 */
export function mapDeliveryStatus(status: string): DeliveryStatus | undefined {
  switch (status.trim().toLowerCase().replace(/[\s_]+/g, ' ')) {
    case 'delivered':
    case 'read':
      return 'delivered';
    case 'non delivered':
    case 'undelivered':
    case 'rejected':
    case 'expired':
    case 'deleted':
    case 'failed':
      return 'undelivered';
    case 'unknown status':
      // Final (providers.md R.3): the operator will never report more about this message.
      return 'undelivered';
    case 'buffered smsc':
      return 'sent';
    default:
      return undefined; // '' (queued), 'Acceptd', anything new
  }
}

/** Every status value SMS Traffic documents (S1), for logs: anything else is masked. */
export const SMSTRAFFIC_STATUSES = [
  '',
  'Buffered SMSC',
  'Delivered',
  'Non Delivered',
  'Rejected',
  'Expired',
  'Deleted',
  'Unknown status',
  'Acceptd',
] as const;

/**
 * SMS Traffic's status dates are Moscow time for Russian (+7, not Kazakhstan's +76/+77) and
 * Ukrainian (+380) numbers; for other countries usually the subscriber's local time, which
 * nothing tells us: those are left as reported (undefined here).
 */
export const reportsMoscowTime = (e164: string) => /^\+7[0-589]/.test(e164) || e164.startsWith('+380');

/**
 * `YYYY-MM-DD HH:MM:SS` in Moscow time (UTC+3 all year since 2014) as a Date. With the
 * recipient's number: undefined unless SMS Traffic reports its dates in Moscow time.
 */
export function parseDeliveryDate(s: string | undefined, e164?: string): Date | undefined {
  if (e164 !== undefined && !reportsMoscowTime(e164)) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(:\d{2})?$/.exec((s ?? '').trim());
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}${m[3] ?? ':00'}+03:00`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
