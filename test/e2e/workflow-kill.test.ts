import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import { startServiceProcess, until, type ServiceProcess } from '../helpers/service-process.js';

// SIGKILL mid-workflow with two instances on one Redis: every auto step is taken exactly once.
// Instance A is killed (no shutdown of any kind) with its verifications' timers pending; B
// carries on and A comes back. Every verification ends up with flash call, SMS and voice
// recorded once each, and no step is delivered twice (console deliveries in the logs of all
// three processes). The kill lands between steps: a step whose handler was running when its
// instance died waits for its BullMQ lock to run out (30 s), too slow for this suite; the
// auto-workflow tests cover a death inside a step.

const N = 16;
const PHONES = Array.from({ length: N }, (_, i) => `+7916${String(4_000_000 + i).padStart(7, '0')}`);

let redis: RedisServerHandle;
const children: ServiceProcess[] = [];
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  for (const c of children) c.child.kill('SIGKILL');
  await redis?.stop();
});

function service(port: number): ServiceProcess {
  const s = startServiceProcess(port, {
    REDIS_URL: redis.url,
    CODE_HMAC_SECRET: 'workflow-kill-secret-0123456789abcdef01',
    AUTO_WORKFLOW: 'flash_call:5,sms:1,voice',
    PHONE_SEND_LIMIT: '1000',
    CLIENT_RATE_LIMIT: '1000000',
    PUMPING_MIN_SENDS: '100000',
    RESEND_COOLDOWN_SECONDS: '0',
  });
  children.push(s);
  return s;
}

const deliveries = (s: ServiceProcess) => s.deliveries().map((d) => `${d.verificationId} ${d.channel}`);

describe('a killed instance mid-workflow', () => {
  it('leaves every auto step taken exactly once between two instances', async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = service(portA);
    const b = service(portB);
    await Promise.all([a.listening(), b.listening()]);
    const ids: string[] = [];
    for (const [i, to] of PHONES.entries()) {
      const res = await fetch(`http://127.0.0.1:${i % 2 ? portB : portA}/v1/verifications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to, channel: 'auto' }),
      });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    // Killed with every SMS step still to come (5 s after its start).
    await a.stop('SIGKILL');
    const a2 = service(portA);
    await a2.listening();

    const read = async (id: string) =>
      (await (await fetch(`http://127.0.0.1:${portB}/v1/verifications/${id}`)).json()) as { status: string; attempts: { channel: string }[] };
    await until('every verification at its voice step', async () => (await Promise.all(ids.map(read))).every((v) => v.attempts.length >= 3), 45_000);
    await new Promise((r) => setTimeout(r, 1500)); // a late duplicate would show by now
    for (const id of ids) expect((await read(id)).attempts.map((x) => x.channel)).toEqual(['flash_call', 'sms', 'voice']);
    const sent = [...deliveries(a), ...deliveries(b), ...deliveries(a2)];
    // Every SMS and voice step is a delivery of B or A's second life.
    expect(sent.filter((d) => !d.endsWith('flash_call')).length).toBe(2 * N);
    expect(sent.length).toBe(new Set(sent).size);
    await Promise.all([a2.stop(), b.stop()]);
  }, 90_000);
});
