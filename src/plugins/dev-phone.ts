import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { z } from 'zod';
import { spokenDigits, voiceText } from '../channels/messages.js';
import type { Config } from '../config.js';
import { PhoneFeed } from '../dev/phone-feed.js';
import { PHONE_PAGE } from '../dev/phone-page.js';

// The virtual phone (docs/development.md): a page that shows, live, what the console providers
// "delivered", and plays the call-back robot. Served only while a console provider is in use,
// which production refuses, so it never exists there.

/** A console provider is configured for some channel (and so this is not production). */
export function devPhoneEnabled(config: Pick<Config, 'production' | 'SMS_PROVIDER' | 'FLASH_CALL_PROVIDER' | 'VOICE_PROVIDER'>) {
  if (config.production) return false;
  return [config.SMS_PROVIDER, config.FLASH_CALL_PROVIDER, config.VOICE_PROVIDER].some((v) => String(v).split(',').includes('console'));
}

export const DEV_PHONE_PATH = '/dev/phone';

const callBackBody = z.object({ from: z.string().max(64), to: z.string().max(64) });

export default fp<{ config: Config }>(
  async function devPhonePlugin(app: FastifyInstance, { config }) {
    if (!devPhoneEnabled(config)) return;
    const feed = new PhoneFeed();
    const streams = new Set<() => void>();
    // Open event streams would hold the server's close: end them first.
    app.addHook('preClose', async () => {
      for (const end of streams) end();
    });
    app.addHook('onClose', async () => feed.close());
    const hide = { hide: true };

    app.get(DEV_PHONE_PATH, { schema: hide }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(PHONE_PAGE));

    app.get(`${DEV_PHONE_PATH}/entries`, { schema: hide }, async () => ({ entries: feed.recent() }));

    // Server-sent events: what is there, then each new entry as it happens.
    app.get(`${DEV_PHONE_PATH}/events`, { schema: hide }, (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': connected\n\n'); // sends the headers now: the page shows "live" at once
      const send = (e: unknown) => res.write(`data: ${JSON.stringify(e)}\n\n`);
      for (const e of feed.recent()) send(e);
      const unsubscribe = feed.subscribe(send);
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      const end = () => {
        clearInterval(ping);
        unsubscribe();
        streams.delete(end);
        res.end();
      };
      streams.add(end);
      res.on('close', end);
    });

    // "Call back" the number a flash call came from: what the robot would answer.
    app.post(`${DEV_PHONE_PATH}/call-back`, { schema: { ...hide, body: callBackBody } }, async (req) => {
      const { from, to } = req.body as z.infer<typeof callBackBody>;
      const found = await app.callbackRobot.codeFor(from, to);
      const locale = found?.locale ?? config.DEFAULT_LOCALE;
      const t = voiceText[locale];
      const text = found ? `${t.callback} ${t.codeIs} ${spokenDigits(found.code)}. ${spokenDigits(found.code)}.` : t.noCode;
      return feed.add({ kind: 'robot', phone: from, text, locale: t.language, ...(found ? { code: found.code } : {}), caller: to });
    });
  },
  { name: 'dev-phone', dependencies: ['service'] },
);
