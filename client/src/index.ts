import createFetchClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

// A thin typed client of otpgate: one function per operation, types generated from the OpenAPI
// document (src/schema.d.ts, `npm run openapi` in the service). Refusals are returned, not
// thrown, as a union typed on `code` per operation; network failures throw.

export type { components, paths } from './schema.js';
export type Verification = components['schemas']['Verification'];
export type CheckResult = components['schemas']['CheckResult'];
export type StartRequest = components['schemas']['StartRequest'];
export type CheckRequest = components['schemas']['CheckRequest'];
export type ResendRequest = components['schemas']['ResendRequest'];
export type Problem = components['schemas']['Problem'];
export type ErrorCode = Problem['code'];

type ErrorStatus = `${4 | 5}${number}`;
/** The problem documents an operation can answer with: a union discriminated by `code`. */
export type ProblemOf<Op> = Op extends { responses: infer R }
  ? {
      [S in keyof R]: `${S & number}` extends ErrorStatus
        ? R[S] extends { content: { 'application/problem+json': infer B } }
          ? B
          : never
        : never;
    }[keyof R]
  : never;

export type StartProblem = ProblemOf<paths['/v1/verifications']['post']>;
export type CheckProblem = ProblemOf<paths['/v1/verifications/check']['post']>;
export type GetProblem = ProblemOf<paths['/v1/verifications/{id}']['get']>;
export type ResendProblem = ProblemOf<paths['/v1/verifications/{id}/resend']['post']>;
export type CancelProblem = ProblemOf<paths['/v1/verifications/{id}/cancel']['post']>;

export type Outcome<T, P> =
  | { ok: true; data: T; status: number; requestId?: string }
  | { ok: false; error: P; status: number; requestId?: string; /** Seconds, from Retry-After. */ retryAfter?: number };

/** An answer that is neither the operation's success nor a problem document (a proxy's error page, …). */
export class OtpgateResponseError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`otpgate answered HTTP ${status} without a problem document`);
    this.name = 'OtpgateResponseError';
  }
}

export interface ClientOptions {
  /** e.g. http://otpgate:3000 */
  baseUrl: string;
  /** A secret of the service's API_KEYS; leave out when authentication is off (development). */
  apiKey?: string;
  /** Per request, in ms (default 10 s). */
  timeoutMs?: number;
  fetch?: (input: Request) => Promise<Response>;
}

export interface StartOptions {
  /** Defaults to a new random key per call: the call's retries reuse it, so a retry never sends twice. */
  idempotencyKey?: string;
  /** Retries of a start whose answer was lost (network error, timeout) or store_unavailable (default 2). */
  retries?: number;
  /** Wait before the first retry in ms, doubled each time (default 200). */
  retryDelayMs?: number;
}

export type OtpgateClient = ReturnType<typeof createOtpgateClient>;

export function createOtpgateClient(opts: ClientOptions) {
  const api = createFetchClient<paths>({
    baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    headers: opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {},
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const signal = () => AbortSignal.timeout(opts.timeoutMs ?? 10_000);

  return {
    /** POST /v1/verifications: send a code. Retried safely under one Idempotency-Key. */
    async start(body: StartRequest, so: StartOptions = {}): Promise<Outcome<Verification, StartProblem>> {
      const key = so.idempotencyKey ?? crypto.randomUUID();
      const retries = so.retries ?? 2;
      let delay = so.retryDelayMs ?? 200;
      for (let attempt = 0; ; attempt++) {
        try {
          const r = outcome<Verification, StartProblem>(
            await api.POST('/v1/verifications', { body, params: { header: { 'Idempotency-Key': key } }, signal: signal() }),
          );
          if (r.ok || r.error.code !== 'store_unavailable' || attempt >= retries) return r;
        } catch (err) {
          if (err instanceof OtpgateResponseError || attempt >= retries) throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay *= 2;
      }
    },
    /** POST /v1/verifications/check: `code` and either `id` or `to`. */
    async check(body: CheckRequest): Promise<Outcome<CheckResult, CheckProblem>> {
      return outcome(await api.POST('/v1/verifications/check', { body, signal: signal() }));
    },
    /** GET /v1/verifications/{id} */
    async get(id: string): Promise<Outcome<Verification, GetProblem>> {
      return outcome(await api.GET('/v1/verifications/{id}', { params: { path: { id } }, signal: signal() }));
    },
    /** POST /v1/verifications/{id}/resend: a new code, optionally on another channel. */
    async resend(id: string, body: ResendRequest = {}): Promise<Outcome<Verification, ResendProblem>> {
      return outcome(await api.POST('/v1/verifications/{id}/resend', { params: { path: { id } }, body, signal: signal() }));
    },
    /** POST /v1/verifications/{id}/cancel */
    async cancel(id: string): Promise<Outcome<Verification, CancelProblem>> {
      return outcome(await api.POST('/v1/verifications/{id}/cancel', { params: { path: { id } }, signal: signal() }));
    },
  };
}

function outcome<T, P>(r: { data?: unknown; error?: unknown; response: Response }): Outcome<T, P> {
  const { status, headers } = r.response;
  const requestId = headers.get('x-request-id') ?? undefined;
  if (r.response.ok) return { ok: true, data: r.data as T, status, requestId };
  const error = r.error as { code?: unknown } | undefined;
  if (!error || typeof error !== 'object' || typeof error.code !== 'string') throw new OtpgateResponseError(status, r.error);
  const retry = Number(headers.get('retry-after'));
  return { ok: false, error: error as P, status, requestId, ...(retry > 0 ? { retryAfter: retry } : {}) };
}
