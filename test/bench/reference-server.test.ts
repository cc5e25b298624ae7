import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildReference } from '../../bench/reference-server.js';

// The bench's yardstick must do what its ratios claim: validate, write, compare.
describe('bench reference server', async () => {
  const { app } = await buildReference(inject('redisUrl'), `bench-ref:${randomBytes(4).toString('hex')}:`);
  afterAll(() => app.close());

  it('starts, refuses a bad body, checks a wrong code, and serves the bare route', async () => {
    const started = await app.inject({ method: 'POST', url: '/v1/verifications', payload: { to: '+79161234567', channel: 'sms' } });
    expect(started.statusCode).toBe(201);
    const { id } = started.json() as { id: string };
    expect((await app.inject({ method: 'POST', url: '/v1/verifications', payload: { to: 'nope' } })).statusCode).toBe(400);
    const checked = await app.inject({ method: 'POST', url: '/v1/verifications/check', payload: { id, code: '0000000' } });
    expect(checked.json()).toEqual({ id, valid: false, checksRemaining: 99 });
    expect((await app.inject({ method: 'POST', url: '/v1/verifications/check', payload: { id: 'nope', code: '1234' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/bare' })).statusCode).toBe(200);
  });
});
