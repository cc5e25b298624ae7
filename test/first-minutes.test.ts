import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './helpers/redis-server.js';
import { until } from './helpers/service-process.js';

// The first minutes of a new user: `npm start` reads a .env in the working directory (the
// environment wins), says once where the docs and the virtual phone are, and prints readable
// lines on a terminal.

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));

describe('start-up', () => {
  it('reads .env from the working directory and prints where the docs and the virtual phone are', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'otpgate-env-'));
    writeFileSync(join(dir, '.env'), `PORT=${port}\nHOST=127.0.0.1\nDEFAULT_LOCALE=pt\nDEFAULT_CHANNEL=voice\n`);
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), server], {
      cwd: dir,
      env: { PATH: process.env.PATH, DEFAULT_CHANNEL: 'sms' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    try {
      await until('the ready line', () => out.includes('otpgate is ready'), 20_000);
      const ready = out.split('\n').filter((l) => l.includes('otpgate is ready'));
      expect(ready).toHaveLength(1);
      expect(JSON.parse(ready[0])).toMatchObject({
        docs: `http://127.0.0.1:${port}/docs`,
        phone: `http://127.0.0.1:${port}/dev/phone`,
      });
      const res = await fetch(`http://127.0.0.1:${port}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: '+79161234567' }),
      });
      // DEFAULT_LOCALE from .env; DEFAULT_CHANNEL from the environment, which wins.
      expect(await res.json()).toMatchObject({ locale: 'pt', channel: 'sms' });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('pretty-prints its log lines when standard output is a terminal', async () => {
    const port = await freePort();
    // `script` runs the service on a pseudo-terminal, as a person's shell would.
    const command = [process.execPath, '--import', import.meta.resolve('tsx'), server].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    try {
      await until('the ready line', () => out.includes('otpgate is ready'), 20_000);
      const lines = out.split(/\r?\n/).filter(Boolean);
      expect(lines.find((l) => l.includes('otpgate is ready'))).toMatch(/^\d\d:\d\d:\d\d\.\d{3} .*INFO.*otpgate is ready: API docs at http/);
      expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
    } finally {
      // script ends the service it runs on SIGTERM; wait, so no service outlives the test.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
});
