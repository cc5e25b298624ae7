import type { ErrorCode } from '../errors.js';

// What a route adds to its OpenAPI operation beyond its zod schemas. A route schema carries it
// as `'x-otpgate'` (fastify ignores the key, @fastify/swagger copies x- keys onto the
// operation); finish.ts expands it into responses and removes it.

export interface OperationNotes {
  /** Every problem the operation can answer with; grouped by status into problem+json responses. */
  problems?: ErrorCode[];
  /** A body may be refused for its size (413) or media type (415): every POST, even one that takes none. */
  bodyChecks?: boolean;
  /** Response headers (names of components/headers) added to the success responses. */
  successHeaders?: string[];
  /** The operation is under the per-client rate limit (X-RateLimit-* headers). */
  rateLimited?: boolean;
  /** A request example sent as it is (tests send it too). */
  requestExample?: unknown;
  /** Examples of the success response, by status. */
  responseExamples?: Record<string, unknown>;
  /** Responses given verbatim (non-JSON answers such as TwiML), by status. */
  responses?: Record<string, unknown>;
  /** The success response's description. */
  success?: string;
  /** The request body may be left out. */
  bodyOptional?: boolean;
  /** Media types of the request body when it is not JSON. */
  requestMediaTypes?: string[];
}

export const NOTES_KEY = 'x-otpgate';

/** Spread into a route schema: `schema: { ...notes({ problems: [...] }), body, response }`. */
export const notes = (n: OperationNotes) => ({ [NOTES_KEY]: n });
