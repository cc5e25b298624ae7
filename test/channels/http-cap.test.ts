import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, MAX_REPLY_BYTES, postOnce, redactProviderText, ReplyTooLargeError } from '../../src/channels/http.js';
import { ProviderFailure } from '../../src/channels/provider-errors.js';
import { capturingLog } from '../helpers/adapters.js';

// A provider that answers without end (or announces 500 MB) must cost us at most 64 KB: the
// reply is refused as a provider error and the rest is never read.

let server: Server;
let base: string;
let written = 0;
const sockets = new Set<Socket>();
const chunk = Buffer.alloc(64 * 1024, 'x');

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/small') return res.end('{"ok":true}');
      // /endless: chunked, never ends; /huge: a declared 500 MB body.
      res.writeHead(200, req.url === '/huge' ? { 'content-length': String(500 * 1024 * 1024) } : {});
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

describe('provider reply cap', () => {
  it('reads a small reply whole', async () => {
    const http = new HttpClient({ connectTimeoutMs: 1000, timeoutMs: 2000 });
    expect((await http.post(`${base}/small`, '', {})).body).toBe('{"ok":true}');
    await http.close();
  });

  it('refuses an endless or 500 MB reply after 64 KB, with memory staying low', async () => {
    const http = new HttpClient({ connectTimeoutMs: 1000, timeoutMs: 5000 });
    global.gc?.();
    const before = process.memoryUsage();
    for (let i = 0; i < 20; i++) {
      for (const path of ['/endless', '/huge']) {
        const err = await http.post(`${base}${path}`, '', {}).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ReplyTooLargeError);
      }
    }
    const after = process.memoryUsage();
    // 40 replies that would be tens of GB in all: we read a few hundred KB of each at most
    // (socket buffers included) and kept none of it.
    expect(written).toBeLessThan(40 * 2 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(64 * 1024 * 1024);
    expect(MAX_REPLY_BYTES).toBe(64 * 1024);
    await http.close();
  });

  it('is a provider_error for the caller, logged for the operator', async () => {
    const http = new HttpClient({ connectTimeoutMs: 1000, timeoutMs: 5000 });
    const { log, lines } = capturingLog();
    const err = await postOnce(http, 'Acme', `${base}/endless`, '{}', {}, log, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProviderFailure);
    expect((err as ProviderFailure).code).toBe('provider_error');
    expect(lines.join('\n')).toMatch(/oversized reply/);
    await http.close();
  });
});

describe('provider texts in the log', () => {
  it('are cut to 200 characters with digit runs masked (numbers, codes), short numbers kept', () => {
    expect(redactProviderText('Номер 79161234567 заблокирован, код 123456, ошибка 18')).toBe('Номер <digits> заблокирован, код <digits>, ошибка 18');
    const long = redactProviderText(`${'x'.repeat(199)}79161234567`);
    expect(long).toHaveLength(200);
    expect(long).not.toMatch(/\d{3}/);
  });
});
