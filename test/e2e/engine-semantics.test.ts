import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { parseId } from '../../src/codes.js';
import { AppError } from '../../src/errors.js';
import type { VerificationEvent } from '../../src/services/events.js';
import { PHONE, STORES, uniquePhone, wrongCode } from '../helpers/app.js';
import { engineFixture } from '../helpers/engine.js';
import { readDoc } from '../helpers/redis-doc.js';
import { until } from '../helpers/webhooks.js';

// Semantics of the rebuilt engine that the old one got wrong (issue 8), on both stores. The auto
// workflow against the budgets is in engine-budgets.test.ts.

const SECRET = 'test-secret-test-secret-test-secret-0123';

describe.each(STORES)('engine semantics (%s store)', (store) => {
  const { open, start, check, get } = engineFixture(store);

  it.each([
    ['provider_error', 502],
    ['provider_unavailable', 503],
  ] as const)('keeps the previous code valid when the provider refuses a resend (%s)', async (code, status) => {
    const t = await open();
    const v = (await start(t)).json();
    const first = t.sms.lastCode();
    t.sms.fail(new AppError(code, 'refused'));
    const resend = await t.call({ method: 'POST', url: `/v1/verifications/${v.id}/resend` });
    expect(resend.statusCode).toBe(status);
    const read = await get(t, v.id);
    expect(read.attempts.map((a: { status: string }) => a.status)).toEqual(['sent', 'failed']);
    expect(read.channel).toBe('sms');
    expect((await check(t, v.id, first)).json()).toMatchObject({ valid: true, status: 'approved' });
  });

  it('does not keep a temporary refusal (429) for replay: the retry after the wait is tried afresh', async () => {
    const t = await open({ RESEND_COOLDOWN_SECONDS: '30' });
    expect((await start(t)).statusCode).toBe(201);
    const key = { 'idempotency-key': 'retry-me' };
    const first = await start(t, {}, key);
    expect(first.statusCode).toBe(429);
    t.clock.advance(31_000);
    const retry = await start(t, {}, key);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    const replay = await start(t, {}, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().id).toBe(retry.json().id);
  });

  it('replays a final refusal with the same headers, Retry-After included', async () => {
    const t = await open({ PUMPING_MIN_SENDS: '1', PUMPING_MIN_CONVERSION: '0.5' });
    expect((await start(t, { to: uniquePhone() })).statusCode).toBe(201);
    const key = { 'idempotency-key': 'blocked-once' };
    const to = uniquePhone();
    const first = await start(t, { to }, key);
    expect(first.statusCode).toBe(403);
    expect(first.headers['retry-after']).toBe('3600');
    const replay = await start(t, { to }, key);
    expect(replay.statusCode).toBe(403);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['retry-after']).toBe('3600');
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(replay.json()).toEqual(first.json());
  });

  it('ends a verification read after its expiry at once and drops its code', async () => {
    const keyPrefix = `expiry-${Date.now()}:`;
    const t = await open({}, { keyPrefix });
    const events: VerificationEvent[] = [];
    t.app.verificationObservers.push({ onEvent: (e) => events.push(e) });
    const v = (await start(t, { ttlSeconds: 60 })).json();
    t.clock.advance(61_000);
    expect((await get(t, v.id)).status).toBe('expired');
    expect(events.filter((e) => e.type === 'verification.expired')).toHaveLength(1);
    expect((await get(t, v.id)).status).toBe('expired');
    expect(events.filter((e) => e.type === 'verification.expired')).toHaveLength(1);
    const { tag, nonce } = parseId(SECRET, v.id)!;
    let stored: { s: string; h?: string };
    if (store === 'redis') {
      const redis = new Redis(inject('redisUrl'));
      const keys = await redis.keys(`${keyPrefix}*:${tag}`);
      stored = (await readDoc(redis, keys[0])).v[nonce];
      redis.disconnect();
    } else {
      const docs = (t.app.store as unknown as { docs: Map<string, { value: { v: Record<string, { s: string; h?: string }> } }> }).docs;
      stored = docs.get(tag)!.value.v[nonce];
    }
    expect(stored).toMatchObject({ s: 'e' });
    expect(stored.h).toBeUndefined();
  });

  it('expires a due verification through expireIfDue, once', async () => {
    const t = await open();
    const v = (await start(t, { ttlSeconds: 60 })).json();
    expect(await t.app.verifications.expireIfDue(v.id)).toBe(false);
    t.clock.advance(60_000);
    expect(await t.app.verifications.expireIfDue(v.id)).toBe(true);
    expect(await t.app.verifications.expireIfDue(v.id)).toBe(false);
  });

  it('answers an approval without waiting for the pumping guard to record it', async () => {
    const t = await open();
    let recorded = 0;
    t.app.store.guardApproval = () => {
      recorded++;
      return new Promise(() => {}); // never answers
    };
    const v = (await start(t)).json();
    const res = await check(t, v.id, t.sms.lastCode());
    expect(res.json()).toMatchObject({ valid: true, status: 'approved' });
    expect(recorded).toBe(1);
  });

  it('writes domain log lines through the request logger, so they carry the request id', async () => {
    const t = await open();
    await start(t);
    const line = t.logs().split('\n').find((l) => l.includes('verification started'))!;
    expect(JSON.parse(line).reqId).toBeDefined();
  });

  it('gives ids that do not link one number across clients', async () => {
    const t = await open();
    const a = (await start(t)).json().id as string;
    const b = (await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE }, key: 'globex-secret-key-0002' })).json().id as string;
    expect(a.slice(0, 6)).toBe(b.slice(0, 6)); // the 12-bit Cluster bucket, shared by many numbers
    expect(a.slice(6, 16)).not.toBe(b.slice(6, 16));
    expect(a.slice(-16)).not.toBe(b.slice(-16));
  });

  it('emits the domain events after each transition', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:30,sms:30,voice' });
    const events: VerificationEvent[] = [];
    t.app.verificationObservers.push({ onEvent: (e) => events.push(e) });
    t.flash.fail(new AppError('provider_error', 'refused'));
    const v = (await start(t, { channel: 'auto' })).json();
    await check(t, v.id, wrongCode(t.sms.lastCode()));
    await check(t, v.id, t.sms.lastCode());
    expect(events.map((e) => e.type)).toEqual([
      'verification.started',
      'attempt.failed',
      'verification.channel_changed',
      'attempt.sent',
      'check.wrong',
      'verification.approved',
    ]);
    const changed = events.find((e) => e.type === 'verification.channel_changed')!;
    expect(changed).toMatchObject({ from: 'flash_call', reason: 'failed' });
    expect(events.every((e) => e.record.id === v.id)).toBe(true);
  });

  it('says why the auto workflow changed channel: a step that timed out', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:0.3,sms:30,voice' });
    const events: VerificationEvent[] = [];
    t.app.verificationObservers.push({ onEvent: (e) => events.push(e) });
    await start(t, { channel: 'auto' });
    await until('the SMS step', () => t.sms.sent.length === 1);
    await until('its event', () => events.some((e) => e.type === 'attempt.sent' && e.attemptIndex === 1));
    expect(events.find((e) => e.type === 'verification.channel_changed')).toMatchObject({ from: 'flash_call', reason: 'timeout' });
  });

  it('shows the new channel, code length and expiry in channel_changed (auto step and resend)', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:0.3,sms:30,voice', CODE_LENGTH: '6', FLASH_CALL_TTL_SECONDS: '60', CODE_TTL_SECONDS: '600' });
    const events: VerificationEvent[] = [];
    t.app.verificationObservers.push({ onEvent: (e) => events.push(e) });
    const v = (await start(t, { channel: 'auto' })).json();
    expect(v).toMatchObject({ channel: 'flash_call', codeLength: 4 });
    await until('the SMS step', () => events.some((e) => e.type === 'verification.channel_changed'));
    const changed = events.find((e) => e.type === 'verification.channel_changed')!.record;
    expect(changed).toMatchObject({ channel: 'sms', codeLength: 6 });
    expect(changed.expiresAt - t.clock()).toBeGreaterThan(500_000);
    // A resend on another channel reports the channel it moved to as well.
    const s = (await start(t, { to: uniquePhone(), channel: 'sms' })).json();
    await t.call({ method: 'POST', url: `/v1/verifications/${s.id}/resend`, payload: { channel: 'flash_call' } });
    const resent = events.filter((e) => e.type === 'verification.channel_changed' && e.record.id === s.id);
    expect(resent).toHaveLength(1);
    expect(resent[0]).toMatchObject({ from: 'sms', record: { channel: 'flash_call', codeLength: 4 } });
    expect(resent[0].record.expiresAt - t.clock()).toBeLessThanOrEqual(60_000);
    const types = events.filter((e) => e.record.id === s.id).map((e) => e.type);
    expect(types.slice(-2)).toEqual(['verification.channel_changed', 'attempt.sent']);
  });

  it('answers 422 channel_not_available for a channel without a provider, and auto skips it', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:30,sms:30,voice' }, { providers: { voice: undefined, flash_call: undefined } });
    const voice = await start(t, { channel: 'voice' });
    expect(voice.statusCode).toBe(422);
    expect(voice.json().code).toBe('channel_not_available');
    const auto = await start(t, { channel: 'auto' });
    expect(auto.statusCode).toBe(201);
    expect(auto.json().channel).toBe('sms');
    const resend = await t.call({ method: 'POST', url: `/v1/verifications/${auto.json().id}/resend`, payload: { channel: 'voice' } });
    expect(resend.statusCode).toBe(422);
    expect(resend.json().code).toBe('channel_not_available');
  });

  it('records the carrier a provider reports and stores the code it says the user sees', async () => {
    const t = await open({}, {
      providers: {
        flash_call: {
          channel: 'flash_call',
          name: 'chain',
          async send() {
            return { providerRef: 'r-1', status: 'sent', provider: 'smsru', code: '4321' };
          },
        },
      },
    });
    const v = (await start(t, { channel: 'flash_call' })).json();
    expect(v.attempts[0]).toMatchObject({ provider: 'smsru', status: 'sent' });
    expect((await check(t, v.id, '1234')).json().valid).toBe(false);
    expect((await check(t, v.id, '4321')).json().valid).toBe(true);
  });
});
