import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { censorSecrets } from './log-censor.js';
import { prettyStream } from './log-pretty.js';

// What reaches the logs is an allow-list: one access line per request (access-log.ts: method,
// route pattern, status, time, request id, client, verification id), no bodies, no headers, so
// no code, phone number, API key or Authorization header can slip in. Anything logged on
// purpose masks phone numbers (phone.ts maskPhone).
//
// Writes are asynchronous: lines collect in a buffer that is written in large chunks, flushed
// on a short timer, on shutdown and on a fatal error (flushLogs), so a request never waits on
// a synchronous write to stdout. On a terminal the lines are pretty-printed instead.

/** Every path under /v1/callbacks/ carries the callback token: nothing after it is logged. */
export function safeUrl(url: string): string {
  const path = url.replace(/[?#].*$/s, '');
  // Compared in the form a router might act on: percent-decoded (twice encoded too), any case,
  // backslashes as slashes, without empty or "." segments.
  let normal = path;
  for (let i = 0; i < 3; i++) normal = normal.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  normal = normal.replace(/\\/g, '/').replace(/\/(\.?\/)+/g, '/').toLowerCase();
  if (normal.startsWith('/v1/callbacks')) return '/v1/callbacks/***';
  return path.length > 256 ? `${path.slice(0, 256)}…` : path;
}

const FLUSH_EVERY_MS = 100;
const BUFFER_BYTES = 8 * 1024;
const BATCH_CHARS = 4 * 1024;

let flushers: Array<() => void> = [];

/** Writes out whatever the loggers still hold (shutdown, fatal error). Safe to call twice. */
export function flushLogs() {
  for (const f of flushers) {
    try {
      f();
    } catch {
      // Nothing more can be done about a log that cannot be written.
    }
  }
}

function stdoutDestination(): pino.DestinationStream {
  if (process.stdout.isTTY) return prettyStream(process.stdout);
  const dest = pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES });
  // Lines are handed to sonic-boom in batches: it measures its whole pending buffer on every
  // write (Buffer.byteLength of a growing string), which cost ~3 µs per line one by one.
  let lines: string[] = [];
  let chars = 0;
  const hand = () => {
    if (!chars) return;
    const batch = lines.join('');
    lines = [];
    chars = 0;
    dest.write(batch);
  };
  // A quiet service still shows its lines within a tenth of a second.
  const timer = setInterval(() => (hand(), dest.flush()), FLUSH_EVERY_MS);
  timer.unref();
  flushers.push(() => (hand(), dest.flushSync()));
  return {
    write(line: string) {
      lines.push(line);
      chars += line.length;
      if (chars >= BATCH_CHARS) hand();
    },
  };
}

/**
 * The service's logger. `stream` (tests) receives the lines synchronously; otherwise stdout,
 * buffered, or pretty on a terminal.
 */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, stream?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      formatters: { log: censorSecrets },
      serializers: {
        req(req: { method: string; url: string; id: string }) {
          return { method: req.method, url: safeUrl(req.url), reqId: req.id };
        },
        res(res: { statusCode: number }) {
          return { statusCode: res.statusCode };
        },
        err: pino.stdSerializers.err,
      },
    },
    stream ? (stream as pino.DestinationStream) : stdoutDestination(),
  );
}

/**
 * Writes a line of the logger's shape (level, time, its bindings, `fields`, msg) straight to
 * its destination, for the one line every request writes (access-log.ts): what pino does per
 * call (the redaction walk above all) cost more than the rest of a read. `fields` is JSON
 * object members the caller built from values it controls; undefined when info is off.
 */
export function infoLineWriter(logger: { level: string }): ((fields: string, msg: string) => void) | undefined {
  const level = pino.levels.values.info;
  if (!((pino.levels.values[logger.level] ?? Infinity) <= level)) return undefined;
  const stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  const bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  return (fields, msg) => stream.write(`{"level":${level},"time":${Date.now()}${bindings},${fields},"msg":${JSON.stringify(msg)}}\n`);
}

/** Tests only: forget the registered flushers. */
export function resetLogFlushers() {
  flushers = [];
}
