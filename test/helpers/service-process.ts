import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './redis-server.js';

// The service as a child process (src/server.ts through tsx), for tests that kill things a
// process of their own cannot survive: its Redis, another instance, itself.

export interface ServiceProcess {
  port: number;
  url: string;
  child: ChildProcess;
  /** Everything written to standard output so far (JSON log lines). */
  out(): string;
  /** The console providers' deliveries logged so far, in order. */
  deliveries(): ConsoleDelivery[];
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

export interface ConsoleDelivery {
  verificationId: string;
  channel: string;
  code: string;
}

/** Starts the service with `env` (plus PATH, PORT and HOST) and waits until it listens. */
export async function startService(env: Record<string, string>, timeoutMs = 30_000): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let parsed = 0; // out up to here is split into lines and searched for deliveries
  const deliveries: ConsoleDelivery[] = [];
  child.stdout!.on('data', (d) => {
    out += d;
    const end = out.lastIndexOf('\n') + 1;
    for (const line of out.slice(parsed, end).split('\n')) {
      if (line.includes('"devOutput":"console-provider"')) deliveries.push(JSON.parse(line) as ConsoleDelivery);
    }
    parsed = end;
  });
  child.stderr!.on('data', (d) => (err += d));
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('Server listening')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the service did not start:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    out: () => out,
    deliveries: () => deliveries,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
