import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startRedisServer, type RedisServerHandle } from './redis-server.js';

// A Sentinel deployment on loopback: one master, one replica and three redis-sentinel
// processes (quorum 2) with short timers, so that a killed master is replaced within seconds.

export const SENTINEL_MASTER_NAME = 'otpgate';
const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 3000;

export interface RedisSentinelHandle {
  /** host:port,host:port,host:port as REDIS_SENTINELS takes it. */
  sentinels: string;
  name: string;
  master: RedisServerHandle;
  replica: RedisServerHandle;
  /** Date.now() when the first sentinel announced a new master (+switch-master), if one has. */
  switchedAt(): number | undefined;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await cond().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`redis-sentinel helper: timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** SENTINEL MASTER's flat [field, value, ...] reply as an object. */
const fields = (flat: string[]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));

export async function startRedisSentinel(): Promise<RedisSentinelHandle> {
  // Replication writes its snapshot to disk: into a directory of our own, not the checkout.
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-sentinel-'));
  const children: ChildProcess[] = [];
  const clients: Redis[] = [];
  let master: RedisServerHandle | undefined;
  let replica: RedisServerHandle | undefined;
  const ports: number[] = [];
  let switchedAt: number | undefined;
  const stop = async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(
      children.map((c) => (c.exitCode !== null ? undefined : new Promise<void>((r) => (c.once('exit', () => r()), c.kill('SIGKILL'))))),
    );
    await replica?.stop();
    await master?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const client = (port: number) => {
    const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    c.on('error', () => {});
    clients.push(c);
    return c;
  };

  try {
    // No 5 s wait for more replicas before the first sync.
    master = await startRedisServer(undefined, ['--dir', dir, '--dbfilename', 'master.rdb', '--repl-diskless-sync-delay', '0']);
    replica = await startRedisServer(undefined, ['--dir', dir, '--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(master.port)]);
    const r = client(replica.port);
    await until('the replica to sync', async () => (await r.info('replication')).includes('master_link_status:up'));

    ports.push(await freePort(), await freePort(), await freePort());
    for (const port of ports) {
      const conf = join(dir, `sentinel-${port}.conf`); // Sentinel rewrites its file: one each
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
          '',
        ].join('\n'),
      );
      children.push(spawn('redis-sentinel', [conf], { stdio: 'ignore' }));
    }
    // Every sentinel must know the replica (to promote it) and the two others (to reach the
    // quorum and elect a leader) before a kill can be failed over.
    for (const port of ports) {
      const s = client(port);
      await until(`sentinel ${port} to see the replica and the other sentinels`, async () => {
        const m = fields((await s.call('SENTINEL', 'MASTER', SENTINEL_MASTER_NAME)) as string[]);
        return m['num-slaves'] === '1' && m['num-other-sentinels'] === '2';
      });
      const sub = client(port);
      await sub.subscribe('+switch-master');
      sub.on('message', () => (switchedAt ??= Date.now()));
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    sentinels: ports.map((p) => `127.0.0.1:${p}`).join(','),
    name: SENTINEL_MASTER_NAME,
    master: master!,
    replica: replica!,
    switchedAt: () => switchedAt,
    stop,
  };
}
