import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js';
import { startServiceProcess } from '../helpers/service-process.js';

// A crash never strands a verification: the service is killed (SIGKILL) while hundreds of
// checks are in flight; after a restart every verification is consistent, and each one still
// pending takes its right code.

const N = 30;
const CHECKS_EACH = 10;
// Test numbers: fixed codes, known without reading any log; checked like any other.
const PHONES = Array.from({ length: N }, (_, i) => `+7916${String(3_000_000 + i).padStart(7, '0')}`);
const CODE = '123456';
const WRONG = '000000';

let redis: RedisServerHandle;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const service = (port: number) =>
  startServiceProcess(port, {
    REDIS_URL: redis.url,
    CODE_HMAC_SECRET: 'crash-test-secret-0123456789abcdef0123',
    MAX_CHECK_ATTEMPTS: '5',
    PHONE_FAILURE_LIMIT: '100000',
    CLIENT_RATE_LIMIT: '1000000',
    PUMPING_MIN_SENDS: '100000',
    RESEND_COOLDOWN_SECONDS: '0',
    TEST_NUMBERS: PHONES.map((p) => `${p}:${CODE}`).join(','),
  });

const post = (port: number, path: string, body: unknown) =>
  fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a killed service', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('leaves every verification consistent when killed during hundreds of concurrent checks', async () => {
    const port = await freePort();
    const first = service(port);
    child = first.child;
    await first.listening();
    const ids: string[] = [];
    for (const to of PHONES) {
      const res = await post(port, '/v1/verifications', { to });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }

    // 200 checks in flight at any time, and the kill comes the moment the 20th answer does:
    // at most 220 of the 300 can have been sent, so the kill always lands mid-way (a fixed
    // batch of 300 could all be answered before a loaded machine ran the kill).
    let answered = 0;
    let killed = false;
    const queue = ids.flatMap((id) => Array.from({ length: CHECKS_EACH }, () => id));
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined && !killed; id = queue.shift()) {
        const ok = await post(port, '/v1/verifications/check', { id, code: WRONG }).then(
          () => true,
          () => false,
        );
        if (!ok || killed) continue;
        answered++;
        if (answered === 20) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    const checks = Array.from({ length: 200 }, worker);
    await once(first.child, 'exit');
    await Promise.all(checks);
    expect(answered).toBeLessThan(N * CHECKS_EACH); // killed mid-way

    const second = service(port);
    child = second.child;
    await second.listening();
    for (const id of ids) {
      const read = (await (await fetch(`http://127.0.0.1:${port}/v1/verifications/${id}`)).json()) as { status: string; checksRemaining: number };
      if (read.status === 'pending') {
        expect(read.checksRemaining).toBeGreaterThan(0);
        const right = await post(port, '/v1/verifications/check', { id, code: CODE });
        expect(right.status).toBe(200);
        expect(await right.json()).toMatchObject({ valid: true, status: 'approved' });
      } else {
        expect(read).toMatchObject({ status: 'max_attempts_reached', checksRemaining: 0 });
      }
    }
    await second.stop();
  }, 90_000);
});
