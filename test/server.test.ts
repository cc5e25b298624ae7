import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startFakeSmsTraffic } from './fakes/smstraffic.js';
import { freePort } from './helpers/redis-server.js';

// The process as an operator runs it: server.ts with environment settings.

const tsx = (env: Record<string, string>) =>
  spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

async function waitForListening(child: ReturnType<typeof tsx>) {
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const deadline = Date.now() + 20_000;
  while (!out.includes('Server listening') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return () => out;
}

describe('server process', () => {
  it('stops with a message naming the variable when the configuration is bad', async () => {
    const child = tsx({ CODE_LENGTH: '42' });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(err).toMatch(/CODE_LENGTH/);
  });

  it('comes up on embedded defaults, logs JSON, and finishes in-flight requests on SIGTERM', async () => {
    const sms = await startFakeSmsTraffic({ login: 'l', password: 'p', mode: 'slow:800' });
    const port = await freePort();
    const child = tsx({
      PORT: String(port),
      HOST: '127.0.0.1',
      SMS_PROVIDER: 'smstraffic',
      SMSTRAFFIC_URL: sms.url,
      SMSTRAFFIC_RESERVE_URL: sms.url,
      SMSTRAFFIC_LOGIN: 'l',
      SMSTRAFFIC_PASSWORD: 'p',
    });
    try {
      const logs = await waitForListening(child);
      expect(logs()).toContain('EMBEDDED IN-MEMORY STORE');
      for (const line of logs().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
      // A start whose provider answers slowly is in flight when SIGTERM arrives.
      const inflight = fetch(`http://127.0.0.1:${port}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: '+79161234567' }),
      });
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      const res = await inflight;
      expect(res.status).toBe(201);
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(logs()).toMatch(/shutting down/);
      expect(sms.messages).toHaveLength(1);
    } finally {
      child.kill('SIGKILL');
      await sms.close();
    }
  });

  it('answers readiness 503 from the moment SIGTERM arrives, while requests in flight and new ones are still served', async () => {
    const sms = await startFakeSmsTraffic({ login: 'l', password: 'p', mode: 'slow:1500' });
    const port = await freePort();
    const child = tsx({
      PORT: String(port),
      HOST: '127.0.0.1',
      SHUTDOWN_DELAY_SECONDS: '2',
      SMS_PROVIDER: 'smstraffic',
      SMSTRAFFIC_URL: sms.url,
      SMSTRAFFIC_RESERVE_URL: sms.url,
      SMSTRAFFIC_LOGIN: 'l',
      SMSTRAFFIC_PASSWORD: 'p',
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      const logs = await waitForListening(child);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const start = (to: string) =>
        fetch(`${base}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to }) });
      const inflight = start('+79161234567');
      while (sms.messages.length === 0) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGTERM');
      while (!logs().includes('shutting down')) await new Promise((r) => setTimeout(r, 20));
      // The first readiness probe after the signal already fails, with the usual problem.
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(ready.headers.get('content-type')).toContain('application/problem+json');
      expect(((await ready.json()) as { code: string }).code).toBe('store_unavailable');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      // Still serving during the delay (the slow provider keeps this one in flight too).
      const late = start('+79161234568');
      expect((await inflight).status).toBe(201);
      const lateRes = await late;
      expect(lateRes.status).toBe(201);
      expect(lateRes.headers.get('connection')).toBe('close');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(sms.messages).toHaveLength(2);
    } finally {
      child.kill('SIGKILL');
      await sms.close();
    }
  });
});
