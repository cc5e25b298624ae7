import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

// Answers written below the routes, as problem+json like every other: the router's own errors
// (a malformed URL, an over-long parameter) and the HTTP parser's (oversized or malformed
// headers, Content-Length with Transfer-Encoding, NUL bytes, timeouts). None echoes anything
// of the request.

const VERIFICATION_PATH = /^\/v1\/verifications\//;

/** Fastify's frameworkErrors option: router errors before any route runs. */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  // An id of any shape that was never issued is a verification_not_found.
  const appErr =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? VERIFICATION_PATH.test(req.raw.url ?? '')
        ? new AppError('verification_not_found', 'No such verification')
        : new AppError('not_found', 'No such route')
      : new AppError('invalid_request', 'The request URL is malformed');
  reply
    .code(appErr.status)
    .header('x-request-id', req.id)
    .type('application/problem+json')
    .send(appErr.toProblem());
}

function rawProblem(status: number, err: AppError): string {
  const body = JSON.stringify({ ...err.toProblem(), status });
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 431: 'Request Header Fields Too Large' }[status] ?? 'Bad Request';
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    `Content-Type: application/problem+json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-Request-Id: ${randomUUID()}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}

/** Answer for an error of Node's HTTP parser (the server's clientError event). */
export function clientErrorAnswer(code: string | undefined): string {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return rawProblem(408, new AppError('invalid_request', 'The request was not received in time'));
  if (code === 'HPE_HEADER_OVERFLOW') return rawProblem(431, new AppError('invalid_request', 'The request headers are too large'));
  return rawProblem(400, new AppError('invalid_request', 'The request is not valid HTTP'));
}

/** Fastify's clientErrorHandler option. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // A response already started on this socket cannot be replaced by another one.
  const inFlight = (socket as Socket & { _httpMessage?: { _headerSent?: boolean } })._httpMessage;
  if (!socket.writable || inFlight?._headerSent) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorAnswer(err.code));
  // A peer that never reads or closes does not keep the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}
