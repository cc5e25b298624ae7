import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisSentinel, type RedisSentinelHandle } from '../helpers/redis-sentinel.js';
import { freePort } from '../helpers/redis-server.js';
import { startServiceProcess, type ServiceProcess } from '../helpers/service-process.js';
import { sleep, until } from '../helpers/webhooks.js';

// A Sentinel failover in the middle of traffic (docs/failover.md shows the numbers). Two
// instances on one master, one replica and three sentinels take steady load: SMS verifications
// checked wrong then right, some run out of guesses, some `auto` workflows. The master is
// SIGKILLed; without restarting anything the instances answer 503 (at once, not after a wait)
// until the replica is promoted, then carry on. Nothing is approved twice or after its last
// guess, and every workflow pending at the kill takes each of its later steps exactly once.

const MAX_CHECKS = 3;
const WORKFLOW_S = [2, 2]; // flash_call:2,sms:2,voice
const WORKERS = 6;
const RETRIES = 4;
const BEFORE_KILL_MS = 3000;
const AFTER_RECOVERY_MS = 2000;

type Path = 'start' | 'check';
interface Sample {
  path: Path;
  instance: number;
  sentAt: number;
  doneAt: number;
  status: number;
  body: Record<string, unknown>;
}

let sentinel: RedisSentinelHandle;
const services: ServiceProcess[] = [];
beforeAll(async () => {
  sentinel = await startRedisSentinel();
  const env = {
    REDIS_SENTINELS: sentinel.sentinels,
    REDIS_SENTINEL_NAME: sentinel.name,
    CODE_HMAC_SECRET: 'sentinel-failover-secret-0123456789abcdef',
    AUTO_WORKFLOW: `flash_call:${WORKFLOW_S[0]},sms:${WORKFLOW_S[1]},voice`,
    MAX_CHECK_ATTEMPTS: String(MAX_CHECKS),
    FLASH_CALL_MAX_CHECK_ATTEMPTS: String(MAX_CHECKS),
    RESEND_COOLDOWN_SECONDS: '0',
    PHONE_SEND_LIMIT: '1000',
    IP_SEND_LIMIT: '1000000',
    CLIENT_RATE_LIMIT: '1000000',
    PHONE_FAILURE_LIMIT: '1000000',
    PUMPING_MIN_SENDS: '1000000',
  };
  for (let i = 0; i < 2; i++) services.push(startServiceProcess(await freePort(), env));
  await Promise.all(services.map((s) => s.listening()));
}, 60_000);
afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await sentinel?.stop();
});

describe('a Sentinel failover under load', () => {
  it('answers 503 briefly, recovers by itself, loses no check rule and no workflow step', async () => {
    const samples: Sample[] = [];
    let turn = 0;
    let phoneSeq = 0;
    async function call(path: Path, method: string, url: string, body?: unknown): Promise<Sample> {
      const instance = turn++ % services.length;
      const sentAt = Date.now();
      const res = await fetch(`http://127.0.0.1:${services[instance].port}${url}`, {
        method,
        ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      const s = { path, instance, sentAt, status: res.status, body: (await res.json()) as Record<string, unknown>, doneAt: Date.now() };
      samples.push(s);
      return s;
    }
    let running = true;
    /** A client's retry: the same request a few times while the store is unavailable, then give up. */
    async function retried(path: Path, method: string, url: string, body?: unknown): Promise<Sample | undefined> {
      for (let i = 0; ; i++) {
        const s = await call(path, method, url, body);
        if (s.status !== 503) return s;
        if (!running || i === RETRIES) return undefined;
        await sleep(50);
      }
    }
    const codeOf = async (id: string) => {
      const find = () => services.flatMap((s) => s.deliveries()).find((d) => d.verificationId === id && d.channel === 'sms');
      await until(`the code of ${id}`, () => find() !== undefined, 3000);
      return find()!.code;
    };
    const wrongFor = (code: string) => (code === '000000' ? '000001' : '000000');
    const start = (channel: string) => retried('start', 'POST', '/v1/verifications', { to: `+7926${String(++phoneSeq).padStart(7, '0')}`, channel });
    const check = (id: string, code: string) => retried('check', 'POST', '/v1/verifications/check', { id, code });

    const autos: { id: string; at: number }[] = [];
    const approvedSeen = new Set<string>();
    const exhausted = new Set<string>();
    // One end user at a time per worker: a flow stops where its step could not get an answer.
    async function flow(kind: number) {
      const started = await start(kind === 4 ? 'auto' : 'sms');
      if (started?.status !== 201) return;
      const id = started.body.id as string;
      if (kind === 4) return void autos.push({ id, at: started.doneAt });
      const code = await codeOf(id);
      const wrongs = kind === 3 ? MAX_CHECKS : 1;
      for (let i = 0; i < wrongs; i++) {
        const c = await check(id, wrongFor(code));
        if (!c) return;
        if (c.body.status === 'max_attempts_reached' || c.body.verificationStatus === 'max_attempts_reached') exhausted.add(id);
      }
      // Right, then again: the second must find it approved (or out of guesses), not approve.
      for (let i = 0; i < 2; i++) {
        const c = await check(id, code);
        if (c?.body.valid === true) approvedSeen.add(id);
      }
    }
    async function worker(w: number) {
      for (let i = w; running; i++) await flow(i % 5);
    }

    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
    await sleep(BEFORE_KILL_MS);
    const killAt = Date.now();
    await sentinel.master.stop(); // SIGKILL
    const recovered = () => samples.some((s) => s.sentAt > killAt && s.status !== 503);
    await until('a request answered after the kill', recovered, 20_000);
    await sleep(AFTER_RECOVERY_MS);
    running = false;
    await Promise.all(workers);

    // Recovery without a restart: each instance takes a new start, no 503 any more.
    for (const s of services) {
      const v = await fetch(`http://127.0.0.1:${s.port}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: '+79260000000' }),
      });
      expect(v.status).toBe(201);
    }

    // Only the statuses of this flow: 201 and 200, 409 for an ended verification, 503 meanwhile.
    const unexpected = samples.filter((s) => ![200, 201, 409, 503].includes(s.status));
    expect(unexpected.map((s) => `${s.path} ${s.status} ${JSON.stringify(s.body)}`)).toEqual([]);
    const failed = samples.filter((s) => s.status === 503);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((s) => s.body.code === 'store_unavailable')).toBe(true);
    // Fail fast, not queued until the failover ends (~2.5 s): a bound on behaviour, far above
    // the measured slowest 503 and twice the 500 ms command timeout.
    const slowest503 = Math.max(...failed.map((s) => s.doneAt - s.sentAt));
    expect(slowest503).toBeLessThan(1000);
    // Each instance came back by itself: after its last 503 it answered again.
    for (let i = 0; i < services.length; i++) {
      const last503 = Math.max(...failed.filter((s) => s.instance === i).map((s) => s.doneAt));
      expect(samples.some((s) => s.instance === i && s.sentAt > last503 && s.status !== 503)).toBe(true);
    }

    const get = async (id: string) =>
      (await (await fetch(`http://127.0.0.1:${services[0].port}/v1/verifications/${id}`)).json()) as { status: string; attempts: { channel: string }[] };
    // No code approved twice, none after its last guess; what was approved stays approved.
    const byId = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.path === 'check' && x.status !== 503)) {
      const id = (s.body.id ?? '') as string;
      if (id) byId.set(id, [...(byId.get(id) ?? []), s]);
    }
    for (const [id, checks] of byId) {
      expect(checks.filter((c) => c.body.valid === true).length, id).toBeLessThanOrEqual(1);
    }
    for (const id of exhausted) expect(approvedSeen.has(id), id).toBe(false);
    const approvedAtEnd = await Promise.all([...approvedSeen].map(async (id) => (await get(id)).status));
    expect(approvedAtEnd.every((s) => s === 'approved')).toBe(true);
    expect(exhausted.size).toBeGreaterThan(0);

    // Every workflow moves on exactly once per step, those pending at the kill included.
    const stepsMs = (WORKFLOW_S[0] + WORKFLOW_S[1]) * 1000;
    const pendingAtKill = autos.filter((a) => a.at <= killAt && a.at > killAt - stepsMs);
    expect(pendingAtKill.length).toBeGreaterThan(2);
    const read = async (id: string) => (await get(id)).attempts.map((a) => a.channel);
    const allAtVoice = async () => (await Promise.all(autos.map((a) => read(a.id)))).every((c) => c.length >= 3);
    await until('every workflow at its voice step', allAtVoice, 15_000);
    await sleep(1000); // a late duplicate step would show by now
    for (const a of autos) expect(await read(a.id), a.id).toEqual(['flash_call', 'sms', 'voice']);
    const autoIds = new Set(autos.map((a) => a.id));
    const steps = services.flatMap((s) => s.deliveries()).filter((d) => autoIds.has(d.verificationId));
    expect(steps.length).toBe(3 * autos.length);

    const promotedAt = sentinel.switchedAt();
    const firstSuccess = Math.min(...samples.filter((s) => s.sentAt > killAt && s.status !== 503).map((s) => s.doneAt));
    const count = (p: Path) => failed.filter((s) => s.path === p).length;
    console.log(
      [
        `requests: ${samples.length}, answered 503: ${failed.length} (start ${count('start')}, check ${count('check')})`,
        `kill → promotion: ${promotedAt ? promotedAt - killAt : '?'} ms, kill → last 503: ${Math.max(...failed.map((s) => s.doneAt)) - killAt} ms`,
        `kill → first success: ${firstSuccess - killAt} ms, slowest 503: ${slowest503} ms`,
        `auto workflows: ${autos.length}, pending at the kill: ${pendingAtKill.length}; verifications out of guesses: ${exhausted.size}`,
      ].join('\n'),
    );
  }, 60_000);

  // The stricter setting docs/failover.md offers: the promoted master has no replica left, so
  // with min-replicas-to-write 1 it refuses every write. Starts and checks answer 503 until the
  // rule is met again; a read that writes nothing is still served.
  it('answers 503 while the master lacks the replicas min-replicas-to-write asks for, then serves again', async () => {
    const master = new Redis({ host: '127.0.0.1', port: sentinel.replica.port });
    const post = (s: ServiceProcess, to: string) =>
      fetch(`http://127.0.0.1:${s.port}/v1/verifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to }) });
    try {
      const before = (await (await post(services[0], '+79260000001')).json()) as { id: string };
      await master.config('SET', 'min-replicas-to-write', '1');
      for (const s of services) {
        const refused = await post(s, '+79260000002');
        expect(refused.status).toBe(503);
        expect(((await refused.json()) as { code: string }).code).toBe('store_unavailable');
        const check = await fetch(`http://127.0.0.1:${s.port}/v1/verifications/check`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: before.id, code: '000000' }),
        });
        expect(check.status).toBe(503);
        expect((await fetch(`http://127.0.0.1:${s.port}/v1/verifications/${before.id}`)).status).toBe(200);
      }
      await master.config('SET', 'min-replicas-to-write', '0');
      for (const s of services) expect((await post(s, '+79260000003')).status).toBe(201);
    } finally {
      master.disconnect();
    }
  });
});
