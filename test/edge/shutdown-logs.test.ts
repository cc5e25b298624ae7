import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server.js';

// The log is written asynchronously (buffered): what was logged before a SIGTERM or a fatal
// error still reaches stdout.

const N = 300;

function service(port: number, preload: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', ...preload.flatMap((p) => ['--import', p]), 'src/server.ts'], {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  return { child, out: () => out };
}

async function ready(s: ReturnType<typeof service>) {
  const deadline = Date.now() + 30_000;
  while (!s.out().includes('Server listening')) {
    if (Date.now() > deadline) throw new Error(`service did not start:\n${s.out()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function burst(port: number) {
  // Each answer is a 404 with one access line; the ids let us find every one.
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      fetch(`http://127.0.0.1:${port}/v1/verifications/vf_x`, { headers: { 'x-request-id': `burst-${i}` } }).then((r) => r.arrayBuffer()),
    ),
  );
}

const accessIds = (out: string) =>
  new Set(
    out
      .split('\n')
      .filter((l) => l.includes('"msg":"request"'))
      .map((l) => (JSON.parse(l) as { reqId: string }).reqId),
  );

describe('buffered logs', () => {
  it('loses no line on SIGTERM', async () => {
    const port = await freePort();
    const s = service(port);
    try {
      await ready(s);
      await burst(port);
      s.child.kill('SIGTERM');
      const [code] = await once(s.child, 'exit');
      expect(code).toBe(0);
      const ids = accessIds(s.out());
      for (let i = 0; i < N; i++) expect(ids.has(`burst-${i}`), `burst-${i}`).toBe(true);
      expect(s.out()).toMatch(/"msg":"shutting down"/);
    } finally {
      s.child.kill('SIGKILL');
    }
  }, 60_000);

  it('loses no line on a fatal error', async () => {
    const port = await freePort();
    const s = service(port, ['./test/fixtures/crash-on-sigwinch.mjs']);
    try {
      await ready(s);
      await burst(port);
      s.child.kill('SIGWINCH');
      const [code] = await once(s.child, 'exit');
      expect(code).not.toBe(0);
      const ids = accessIds(s.out());
      for (let i = 0; i < N; i++) expect(ids.has(`burst-${i}`), `burst-${i}`).toBe(true);
      expect(s.out()).toMatch(/"level":60.*deliberate crash for a test/);
    } finally {
      s.child.kill('SIGKILL');
    }
  }, 60_000);
});
