import type { FastifyBaseLogger } from 'fastify';
import { Agent, errors, request } from 'undici';
import { ProviderFailure, providerFailure } from './provider-errors.js';

// One outbound HTTP client for every provider adapter, with explicit timeouts and one rule
// for what a failure means: before the request was sent (safe to try elsewhere) or after
// (the provider may have queued the message: never send it again).

export type FailurePhase = 'connect' | 'response';

export class ProviderHttpError extends Error {
  constructor(
    readonly phase: FailurePhase,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ProviderHttpError';
  }
}

/** Provider replies larger than this are refused unread: no OTP reply comes near it. */
export const MAX_REPLY_BYTES = 64 * 1024;

/** The provider answered more than MAX_REPLY_BYTES: a provider error, the rest never read. */
export class ReplyTooLargeError extends Error {
  constructor() {
    super(`reply larger than ${MAX_REPLY_BYTES} bytes`);
    this.name = 'ReplyTooLargeError';
  }
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface HttpClientOptions {
  connectTimeoutMs: number;
  /** Whole-answer deadline after the request was sent. */
  timeoutMs: number;
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export class HttpClient {
  private readonly agent: Agent;

  constructor(private readonly opts: HttpClientOptions) {
    this.agent = new Agent({
      connectTimeout: opts.connectTimeoutMs,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      // No retry of a non-idempotent POST on a reused socket: that could send twice.
      pipelining: 1,
    });
  }

  async post(
    url: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<HttpResponse> {
    const signal = AbortSignal.timeout(this.opts.connectTimeoutMs + this.opts.timeoutMs);
    try {
      const res = await request(url, {
        method: 'POST',
        body,
        headers,
        dispatcher: this.agent,
        signal,
      });
      const text = await readCapped(res.body);
      return { status: res.statusCode, headers: res.headers, body: text };
    } catch (err) {
      if (err instanceof ReplyTooLargeError) throw err;
      throw classify(err);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** Reads at most MAX_REPLY_BYTES; past that the stream (and its socket) is destroyed. */
async function readCapped(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_REPLY_BYTES) {
      body.destroy();
      throw new ReplyTooLargeError();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function classify(err: unknown): ProviderHttpError {
  const e = err as { code?: string; cause?: { code?: string }; message?: string; name?: string };
  const code = e.code ?? e.cause?.code;
  if (err instanceof errors.ConnectTimeoutError || (code && CONNECT_CODES.has(code))) {
    return new ProviderHttpError('connect', `connection failed (${code ?? 'connect timeout'})`, err);
  }
  if (err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError) {
    return new ProviderHttpError('response', 'no answer in time', err);
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new ProviderHttpError('response', 'no answer in time', err);
  }
  return new ProviderHttpError('response', `request failed (${code ?? e.message ?? 'unknown'})`, err);
}

/**
 * One POST to a provider that is never retried (uCaller, Twilio): a transport failure is
 * `provider_unavailable`, and a failure after the request was sent may have placed the call,
 * so the caller must not send it again either. Answers the status and the JSON body, if any.
 */
export async function postOnce(
  http: HttpClient,
  provider: string,
  url: string,
  body: string,
  headers: Record<string, string>,
  log: FastifyBaseLogger,
  ctx: Record<string, unknown>,
): Promise<{ status: number; headers: HttpResponse['headers']; json: unknown }> {
  let res: HttpResponse;
  try {
    res = await http.post(url, body, { accept: 'application/json', ...headers });
  } catch (err) {
    if (err instanceof ReplyTooLargeError) {
      log.error({ ...ctx, err: err.message }, `${provider} answered an oversized reply`);
      // Answered, but unreadable: whether it was queued is unclear, so nobody else tries.
      throw new ProviderFailure('provider_error', false);
    }
    if (!(err instanceof ProviderHttpError)) throw err;
    log.warn({ ...ctx, phase: err.phase, err: err.message }, `${provider} unreachable`);
    throw providerFailure('provider_unavailable', { beforeSend: err.phase === 'connect' });
  }
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json };
}

/**
 * Provider error texts may quote the phone number or the code: only the log sees them, cut
 * short, every run of 3+ digits masked.
 */
export const redactProviderText = (s: string) => s.slice(0, 200).replace(/\d{3,}/g, '<digits>');
