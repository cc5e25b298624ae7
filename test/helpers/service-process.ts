import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

// otpgate as a child process (`src/server.ts` through tsx), for tests that kill it, run several
// instances, or need a real listening socket. Only PATH is inherited: each test states the
// settings it depends on.

export interface ConsoleDelivery {
  verificationId: string;
  channel: string;
  code: string;
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  /** Everything the process has written to stdout so far. */
  out(): string;
  /** Resolves once the server listens; throws with the output after `ms`. */
  listening(ms?: number): Promise<void>;
  /** The console providers' deliveries logged so far, oldest first. */
  deliveries(): ConsoleDelivery[];
  /** SIGTERM (or the given signal) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startServiceProcess(port: number, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // Deliveries are picked out as lines complete: a test under load asks for them after every
  // start, and re-reading megabytes of log each time would be the load.
  let stdout = '';
  const deliveries: ConsoleDelivery[] = [];
  child.stdout!.on('data', (d) => {
    out += d;
    stdout += d;
    const lines = stdout.split('\n');
    stdout = lines.pop()!;
    for (const l of lines) if (l.includes('"devOutput":"console-provider"')) deliveries.push(JSON.parse(l) as ConsoleDelivery);
  });
  child.stderr!.on('data', (d) => (out += d));
  const exited = once(child, 'exit').then(() => undefined);
  return {
    child,
    port,
    out: () => out,
    listening: (ms = 30_000) => until('the service to listen', () => out.includes('Server listening'), ms).catch((e) => {
      throw new Error(`${(e as Error).message}:\n${out.slice(-4000)}`);
    }),
    deliveries: () => [...deliveries],
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Polls `cond` every 50 ms until it holds; throws after `ms`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
