import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import closeWithGrace from 'close-with-grace';
import Fastify from 'fastify';
import app, { serverOptions } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { DEV_PHONE_PATH, devPhoneEnabled } from './plugins/dev-phone.js';
import { flushLogs } from './logger.js';

// Starts the process: configuration, the app plugin, listening, graceful shutdown.

// A .env in the working directory, when present, fills in what the environment does not set
// (the environment wins, as with docker compose).
if (existsSync('.env')) process.loadEnvFile('.env');

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${JSON.stringify({ level: 60, time: Date.now(), msg: err.message, problems: err.problems })}\n`);
    process.exit(1);
  }
  throw err;
}

const server = Fastify(serverOptions(config));
await server.register(app, { config });

// SIGTERM/SIGINT: readiness 503 at once; after SHUTDOWN_DELAY_SECONDS stop accepting, finish
// in-flight requests, close Redis and timers (plugins/shutdown.ts).
closeWithGrace({ delay: 10_000 + config.SHUTDOWN_DELAY_SECONDS * 1000 }, async ({ signal, err }) => {
  if (err) server.log.fatal({ err }, 'shutting down after an error');
  else server.log.info({ signal, delaySeconds: config.SHUTDOWN_DELAY_SECONDS }, 'shutting down');
  try {
    // After a crash there is nothing to drain for.
    await (err ? server.close() : server.shutdown());
  } finally {
    // The log is buffered: write out what is left before the process ends.
    flushLogs();
  }
});

if (config.devDefaults.length) {
  server.log.warn({ devDefaults: config.devDefaults }, 'running on development defaults: not for production');
}
await server.listen({ port: config.PORT, host: config.HOST });
// Once, where a person starts: the docs, and in development the virtual phone.
const port = (server.server.address() as AddressInfo).port;
const base = `http://${['0.0.0.0', '::'].includes(config.HOST) ? 'localhost' : config.HOST}:${port}`;
server.log.info(
  { docs: `${base}/docs`, ...(devPhoneEnabled(config) ? { phone: `${base}${DEV_PHONE_PATH}` } : {}) },
  devPhoneEnabled(config)
    ? `otpgate is ready: API docs at ${base}/docs, codes on the virtual phone at ${base}${DEV_PHONE_PATH}`
    : `otpgate is ready: API docs at ${base}/docs`,
);
