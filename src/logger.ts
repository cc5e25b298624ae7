import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';

// What reaches the logs is an allow-list: a request is logged as method, route URL (with the
// callback token masked), request id and client; a response as its status. No bodies, no
// headers, so no code, phone number, API key or Authorization header can slip in. Anything
// that is logged on purpose masks phone numbers (phone.ts maskPhone).

const SECRET_PATH = /(\/v1\/callbacks\/(?:[a-z]+\/)*)[^/?#]+/;
const QUERY = /\?.*$/;

export function safeUrl(url: string): string {
  return url.replace(QUERY, '').replace(SECRET_PATH, '$1***');
}

export function loggerOptions(config: Pick<Config, 'LOG_LEVEL'>, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level: config.LOG_LEVEL,
    ...(stream ? { stream } : {}),
    redact: {
      // Belt and braces for objects logged by mistake.
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        '*.password',
        'password',
        '*.secret',
        'secret',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(req: { method: string; url: string; id: string }) {
        return { method: req.method, url: safeUrl(req.url), reqId: req.id };
      },
      res(res: { statusCode: number }) {
        return { statusCode: res.statusCode };
      },
    },
  };
}
