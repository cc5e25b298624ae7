import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSmsTraffic, type FakeSmsTraffic } from '../fakes/smstraffic.js';
import { makeApp, uniquePhone, type StoreKind, type TestApp } from '../helpers/app.js';

// Status polling rounds on a timer: on Redis a BullMQ job scheduler, so several instances
// together poll once per interval; on the embedded store an in-process timer.

describe('status polling rounds', () => {
  let fake: FakeSmsTraffic;
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
    await fake?.close();
  });

  const open = async (store: StoreKind, keyPrefix: string) => {
    const t = await makeApp({
      store,
      keyPrefix,
      configuredProviders: true,
      env: {
        SMS_PROVIDER: 'smstraffic',
        SMSTRAFFIC_URL: fake.url,
        SMSTRAFFIC_RESERVE_URL: fake.url,
        SMSTRAFFIC_LOGIN: 'l',
        SMSTRAFFIC_PASSWORD: 'p',
        STATUS_POLL_INTERVAL_SECONDS: '1',
        // Asked about from the first round; the fake keeps it queued, so every round asks again.
        STATUS_POLL_AFTER_SECONDS: '0',
      },
    });
    apps.push(t);
    return t;
  };
  const statusQueries = () => fake.received.filter((r) => r.form.operation === 'status').length;

  it('two instances on one Redis poll once per round between them', async () => {
    fake = await startFakeSmsTraffic({ login: 'l', password: 'p' });
    const prefix = `t${randomBytes(4).toString('hex')}:`;
    const [a] = [await open('redis', prefix), await open('redis', prefix)];
    expect((await a.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone() } })).statusCode).toBe(201);
    const from = statusQueries();
    const began = performance.now();
    await sleep(5000);
    const seconds = (performance.now() - began) / 1000;
    const rounds = statusQueries() - from;
    // Once per second between both (a loaded machine may run late, never twice as often):
    // two instances polling on their own would ask about twice per second.
    expect(rounds).toBeGreaterThanOrEqual(2);
    expect(rounds).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
  });

  it('the embedded store polls on an in-process timer', async () => {
    fake = await startFakeSmsTraffic({ login: 'l', password: 'p' });
    const t = await open('embedded', 'e:');
    expect((await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone() } })).statusCode).toBe(201);
    const deadline = Date.now() + 10_000;
    while (statusQueries() < 2 && Date.now() < deadline) await sleep(100);
    expect(statusQueries()).toBeGreaterThanOrEqual(2);
  });
});
