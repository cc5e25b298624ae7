import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { AppError } from '../errors.js';
import type { IdempotencyEntry, VerificationStore } from '../store/types.js';

// Idempotency-Key on a start, an HTTP concern: a repeat with the same key and body gets the
// first final answer (status, body and headers) and sends nothing. Temporary answers (429,
// 5xx) are not kept, so a retry after the wait is tried afresh. The "in progress" marker is a
// short lease: a start whose process died frees its key within seconds, not a day.

const TTL_MS = 24 * 3600 * 1000;
const LEASE_MS = 30_000;
/** How long a twin request waits for the first one's answer before a 429. */
const WAIT_STEPS = 40;
const WAIT_STEP_MS = 50;
/** Request bodies are small documents; a deeper one is not hashed (nor accepted). */
const MAX_DEPTH = 32;

type Answer = NonNullable<IdempotencyEntry['response']>;

export async function idempotent(
  store: VerificationStore,
  clientId: string,
  key: string,
  body: unknown,
  reply: FastifyReply,
  run: () => Promise<unknown>,
): Promise<FastifyReply> {
  const bodyHash = createHash('sha256').update(stableJson(body)).digest('hex');
  let begun = await store.idempotencyBegin(clientId, key, bodyHash, LEASE_MS);
  // A twin request still running: wait briefly for its answer rather than send twice.
  for (let i = 0; begun.state === 'in_progress' && i < WAIT_STEPS; i++) {
    await new Promise((r) => setTimeout(r, WAIT_STEP_MS));
    begun = await store.idempotencyBegin(clientId, key, bodyHash, LEASE_MS);
  }
  if (begun.state === 'conflict') {
    throw new AppError('idempotency_key_reused', 'This Idempotency-Key was used with a different request body');
  }
  if (begun.state === 'in_progress') {
    throw new AppError('rate_limited', 'A request with this Idempotency-Key is still being processed', {}, 1);
  }
  if (begun.state === 'replay') return send(reply.header('idempotent-replayed', 'true'), begun.response);
  let answer: Answer;
  try {
    answer = { statusCode: 201, body: await run() };
  } catch (err) {
    if (err instanceof AppError && err.status < 500 && err.status !== 429) {
      const headers = err.retryAfter !== undefined ? { 'retry-after': String(err.retryAfter) } : undefined;
      const refusal = { statusCode: err.status, body: err.toProblem(), ...(headers ? { headers } : {}) };
      await store.idempotencyComplete(clientId, key, { bodyHash, response: refusal }, TTL_MS).catch(() => undefined);
    } else {
      await store.idempotencyAbort(clientId, key).catch(() => undefined);
    }
    throw err;
  }
  await store.idempotencyComplete(clientId, key, { bodyHash, response: answer }, TTL_MS);
  return send(reply, answer);
}

function send(reply: FastifyReply, a: Answer) {
  reply.code(a.statusCode).headers(a.headers ?? {});
  if (a.statusCode >= 400) reply.type('application/problem+json');
  return reply.send(a.body);
}

/** JSON with sorted keys, so equal bodies hash equally whatever their key order. Bounded depth. */
export function stableJson(v: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw new AppError('invalid_request', 'The request body is nested too deeply');
  if (Array.isArray(v)) return `[${v.map((x) => stableJson(x, depth + 1)).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k], depth + 1)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
