import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis-store.js';
import { makeApp, PHONE, type TestApp } from '../helpers/app.js';

// Redis commands per request on the hot paths (issue 8): each is one atomic step, so these
// counts are the round trips (commands issued together share one write: auto-pipelining).
// The client rate limit costs none: it is counted in the process and added to Redis in one
// batched transaction per client every ~100 ms (test/services/client-rate-limiter.test.ts),
// which these counts leave out whenever its timer happens to fire.
const BATCHED_RATE_LIMIT = new Set(['multi', 'incrby', 'pexpire', 'exec']);

describe('round trips to Redis', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  async function counting(run: () => Promise<unknown>) {
    const client = (t.app.store as RedisStore).client as Redis;
    const names: string[] = [];
    const original = client.sendCommand.bind(client);
    client.sendCommand = ((cmd: { name: string; args: unknown[] }) => {
      if (!BATCHED_RATE_LIMIT.has(cmd.name)) names.push(cmd.name);
      return original(cmd as never);
    }) as typeof client.sendCommand;
    try {
      await run();
    } finally {
      client.sendCommand = original;
    }
    return names;
  }

  it('a start is the guard, the verification step and the delivery; a check and a read one step each', async () => {
    t = await makeApp({ store: 'redis' });
    let id = '';
    const start = await counting(async () => {
      id = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE } })).json().id;
    });
    // Guard, start, then the delivery record and the provider-reference index together
    // (issued in the same tick: one write, one round trip).
    expect(start).toEqual(['evalsha', 'evalsha', 'evalsha', 'hset', 'pexpireat']);
    const check = await counting(() => t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id, code: '000000' } }));
    expect(check).toEqual(['evalsha']);
    const read = await counting(() => t.call({ method: 'GET', url: `/v1/verifications/${id}` }));
    expect(read).toEqual(['evalsha']);
  });
  it('a call-back robot lookup for a caller with no pending flash call is one step', async () => {
    t = await makeApp({ store: 'redis', env: { CALLBACK_TOKEN: 'round-trip-callback-token-0123' } });
    const lookup = await counting(() =>
      t.call({
        method: 'POST',
        url: '/v1/callbacks/twilio/voice/round-trip-callback-token-0123',
        payload: new URLSearchParams({ From: '+79169998877', To: '+78005551234', CallSid: 'CA' + '0'.repeat(32) }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        key: null,
      }),
    );
    expect(lookup).toEqual(['evalsha']);
  });
});
