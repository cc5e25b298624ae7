// Response headers of the API, as OpenAPI header components (finish.ts adds them where they occur).

const int = (description: string, minimum = 0) => ({ description, schema: { type: 'integer', minimum } });

export const HEADER_COMPONENTS: Record<string, { description: string; schema: Record<string, unknown> }> = {
  'X-Request-Id': {
    description: "The request's id: the caller's X-Request-Id when it sent a sane one, otherwise a new one. Quote it in support requests; it is in every log line of the request",
    schema: { type: 'string', maxLength: 128 },
  },
  'Retry-After': int('Seconds to wait before the same request can succeed', 1),
  'Idempotent-Replayed': {
    description: 'Present (true) when the answer is the stored answer of an earlier request with the same Idempotency-Key; nothing was sent',
    schema: { type: 'string', enum: ['true'] },
  },
  'X-RateLimit-Limit': int('Requests allowed per minute for this API client (CLIENT_RATE_LIMIT)', 1),
  'X-RateLimit-Remaining': int('Requests left in the current minute'),
  'X-RateLimit-Reset': int('Seconds until the current minute ends'),
};

export const RATE_LIMIT_HEADERS = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

export const headerRefs = (names: string[]) =>
  Object.fromEntries(names.map((n) => [n, { $ref: `#/components/headers/${n}` }]));
