import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../errors.js';

// The one error handler: every error leaves as application/problem+json with a stable code.

function fromValidation(err: FastifyError): AppError {
  const issues = hasZodFastifySchemaValidationErrors(err) ? err.validation : [];
  const paths = issues.map((i) => String(i.instancePath ?? '').replace(/^\//, '').split('/')[0]);
  const missing = issues.some((i) => /received undefined/.test(i.message ?? ''));
  // The specific codes of the contract, where the only problem is a malformed code or number
  // (a missing field is an invalid request).
  let code: ErrorCode = 'invalid_request';
  if (missing || paths.length === 0) code = 'invalid_request';
  else if (paths.every((p) => p === 'code')) code = 'invalid_code_format';
  else if (paths.every((p) => p === 'to')) code = 'invalid_phone_number';
  const detail = issues.length
    ? issues.map((i) => `${String(i.instancePath ?? '').replace(/^\//, '') || err.validationContext || 'request'}: ${i.message}`).join('; ')
    : err.message;
  return new AppError(code, detail);
}

const FIXED_DETAIL: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The body is not valid JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The JSON body is empty',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The body length does not match Content-Length',
  FST_ERR_CTP_EMPTY_TYPE: 'Content-Type is empty',
};

export function toAppError(err: FastifyError | Error): AppError {
  if (err instanceof AppError) return err;
  const e = err as FastifyError;
  if (e.validation) return fromValidation(e);
  if (e.statusCode === 429) return new AppError('rate_limited', 'Too many requests', {}, undefined);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    // Fastify's own client errors: bad JSON, wrong content type, body too large, ... A fixed
    // detail: their messages quote the input (a JSON parser's shows the body around the fault).
    const out = new AppError('invalid_request', FIXED_DETAIL[e.code] ?? (e instanceof SyntaxError ? 'The body is not valid JSON' : 'The request could not be read'));
    Object.defineProperty(out, 'status', { value: e.statusCode });
    return out;
  }
  return new AppError('internal_error', 'An unexpected error occurred');
}

export function sendProblem(reply: FastifyReply, err: AppError) {
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
  // RFC 9110: a 401 names the scheme it wants.
  if (err.status === 401) reply.header('www-authenticate', 'Bearer');
  return reply.code(err.status).type('application/problem+json').send(err.toProblem());
}

export default fp(
  async function errorsPlugin(app: FastifyInstance) {
    app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const appErr = toAppError(err);
      if (appErr.status >= 500 && appErr.code === 'internal_error') {
        req.log.error({ err }, 'unhandled error');
      } else if (appErr.status >= 500) {
        req.log.warn({ code: appErr.code }, appErr.message);
      }
      // Rate limiting sets its own Retry-After header; keep it.
      return sendProblem(reply, appErr);
    });
    app.setNotFoundHandler((_req, reply) => sendProblem(reply, new AppError('not_found', 'No such route')));
  },
  { name: 'errors' },
);
