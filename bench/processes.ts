import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

// The processes of a bench run: a redis-server of its own, and the servers under load, each
// a child process writing straight into a file (a pipe read by the bench would cost the
// bench CPU, and a log collector's pipe is not what is measured here).

export interface Child {
  proc: ChildProcess;
  /** SIGTERM, then waits for the exit (a --cpu-prof profile is written on the way out). */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function startChild(command: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string; logFile: string }): Child {
  const out = openSync(opts.logFile, 'a');
  const proc = spawn(command, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', out, out] });
  closeSync(out); // the child has its own copy
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A fresh redis-server on a free loopback port, without persistence. */
export async function startRedis(logFile: string, cwd: string): Promise<Child & { url: string; port: number }> {
  const port = await freePort();
  const child = startChild(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', cwd],
    { env: process.env, cwd, logFile },
  );
  const url = `redis://127.0.0.1:${port}`;
  await until(`redis-server on ${port}`, child, async () => {
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } finally {
      probe.disconnect();
    }
  });
  return { ...child, url, port };
}

/** Waits until `ready` answers true (errors count as not yet), or fails when the child exits or 60 s pass. */
export async function until(what: string, child: Child, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`${what} exited with ${child.proc.exitCode}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready after 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ready once GET url answers 200. */
export const httpReady = (url: string) => async () => (await fetch(url)).status === 200;

/** CPU seconds (user + system) a process has used so far; 0 where /proc is missing. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
