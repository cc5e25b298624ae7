import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

// A redis-server child process on a free loopback port, which tests may stop and start again
// (same port) to prove the service survives a Redis outage.

export interface RedisServerHandle {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: the server keeps its connections but answers nothing (a frozen Redis). */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
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

/** `args` are extra redis-server options, e.g. `--replicaof` and `--dir` for a replica. */
export async function startRedisServer(port?: number, args: string[] = []): Promise<RedisServerHandle> {
  const p = port ?? (await freePort());
  let child: ChildProcess | undefined;

  const start = async () => {
    // Already running (an afterAll that restarts a stopped server, when the test did): a second
    // server on the same port would only exit, and the running one would be left behind.
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = spawn(
      'redis-server',
      ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', ...args],
      { stdio: 'ignore' },
    );
    const failed = new Promise<never>((_, reject) => {
      child!.once('error', reject);
      child!.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis({ port: p, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      try {
        await Promise.race([probe.connect().then(() => probe.ping()), failed]);
        probe.disconnect();
        return;
      } catch (err) {
        probe.disconnect();
        if (Date.now() > deadline || (err instanceof Error && /exited|ENOENT/.test(err.message))) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
    child = undefined;
  };

  // A frozen server is sent SIGCONT before stop() kills it, so nothing is left stopped.
  const signal = (sig: NodeJS.Signals) => () => void child?.kill(sig);
  const stopThawed = async () => {
    child?.kill('SIGCONT');
    await stop();
  };

  await start();
  return { url: `redis://127.0.0.1:${p}`, port: p, stop: stopThawed, start, freeze: signal('SIGSTOP'), thaw: signal('SIGCONT') };
}
