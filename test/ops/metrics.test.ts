import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/services/events.js';
import { makeApp, PHONE, uniquePhone, type TestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/metrics.js';
import { startRedisServer } from '../helpers/redis-server.js';

// Metrics an operator can use (issue 13): every number below is read from /metrics after real
// traffic through the API.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('metrics', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  const open = async (env: Record<string, string> = {}, store: 'embedded' | 'redis' = 'embedded') => {
    const a = await makeApp({ store, env });
    apps.push(a);
    return a;
  };
  const scrape = async (t: TestApp) => (await t.call({ method: 'GET', url: '/metrics', key: null })).body;
  const start = (t: TestApp, body: Record<string, unknown>) => t.call({ method: 'POST', url: '/v1/verifications', payload: body });
  const check = (t: TestApp, id: string, code: string) => t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id, code } });

  it('exports the known label sets at zero before any traffic, build info and process metrics', async () => {
    const text = await scrape(await open({ PRICE_SMS_RECORDER: '3.2' }));
    expect(metricValue(text, 'otpgate_checks_total', { channel: 'flash_call', result: 'approved' })).toBe(0);
    expect(metricValue(text, 'otpgate_verifications_started_total', { channel: 'auto' })).toBe(0);
    expect(metricValue(text, 'otpgate_verifications_approved_total', { requested_channel: 'auto', channel: 'voice' })).toBe(0);
    expect(metricValue(text, 'otpgate_spent_total', { channel: 'sms', provider: 'recorder', currency: 'RUB' })).toBe(0);
    expect(metricValue(text, 'otpgate_auto_transitions_total', { from: 'flash_call', to: 'sms', reason: 'timeout' })).toBe(0);
    expect(metricValue(text, 'otpgate_refusals_total', { reason: 'resend_too_soon' })).toBe(0);
    expect(metricValue(text, 'otpgate_errors_total', { code: 'store_unavailable' })).toBe(0);
    expect(metricValue(text, 'otpgate_time_to_approval_seconds_count', { channel: 'sms' })).toBe(0);
    expect(metricValue(text, 'otpgate_provider_request_duration_seconds_count', { channel: 'sms', provider: 'recorder', outcome: 'ok' })).toBe(0);
    expect(metricValue(text, 'otpgate_redis_errors_total', { client: 'bullmq' })).toBe(0);
    for (const type of WEBHOOK_EVENT_TYPES) expect(metricValue(text, 'otpgate_webhook_events_total', { type }), type).toBe(0);
    for (const outcome of ['delivered', 'retried', 'dead']) {
      for (const type of WEBHOOK_EVENT_TYPES) {
        expect(metricValue(text, 'otpgate_webhook_deliveries_total', { type, outcome }), `${type} ${outcome}`).toBe(0);
      }
    }
    expect(metricValue(text, 'otpgate_build_info', { version: '0.1.0' })).toBe(1);
    expect(metricValue(text, 'otpgate_store_up')).toBe(1);
    expect(metricValue(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
  });

  it('counts checks by channel and result, approvals, time to approval, spend and HTTP latency', async () => {
    const t = await open({ PRICE_SMS_RECORDER: '3.2', PRICE_CURRENCY: 'EUR' });
    const v = (await start(t, { to: PHONE })).json();
    expect((await check(t, v.id, '000000')).json().valid).toBe(false);
    expect((await check(t, v.id, t.sms.lastCode())).json().valid).toBe(true);
    const w = (await start(t, { to: uniquePhone() })).json();
    for (let i = 0; i < 5; i++) await check(t, w.id, '000000'); // the fifth uses up the last check
    const text = await scrape(t);
    expect(metricValue(text, 'otpgate_verifications_started_total', { channel: 'sms' })).toBe(2);
    expect(metricValue(text, 'otpgate_checks_total', { channel: 'sms', result: 'wrong' })).toBe(5);
    expect(metricValue(text, 'otpgate_checks_total', { channel: 'sms', result: 'max_attempts' })).toBe(1);
    expect(metricValue(text, 'otpgate_checks_total', { channel: 'sms', result: 'approved' })).toBe(1);
    expect(metricValue(text, 'otpgate_verifications_approved_total', { requested_channel: 'sms', channel: 'sms' })).toBe(1);
    expect(metricValue(text, 'otpgate_time_to_approval_seconds_count', { channel: 'sms' })).toBe(1);
    expect(metricValue(text, 'otpgate_spent_total', { channel: 'sms', provider: 'recorder', currency: 'EUR' })).toBeCloseTo(6.4);
    const started = { route: '/v1/verifications', method: 'POST', status_class: '2xx' };
    expect(metricValue(text, 'otpgate_http_request_duration_seconds_count', started)).toBe(2);
    expect(metricValue(text, 'otpgate_http_request_duration_seconds_count', { route: '/v1/verifications/check', status_class: '2xx' })).toBe(7);
  });

  it('counts every refusal by its code, the cooldown included, and 5xx answers as errors', async () => {
    const t = await open({ RESEND_COOLDOWN_SECONDS: '30', ALLOWED_COUNTRIES: 'RU', IP_SEND_LIMIT: '1' });
    expect((await start(t, { to: PHONE })).statusCode).toBe(201);
    expect((await start(t, { to: PHONE })).json().code).toBe('resend_too_soon');
    expect((await start(t, { to: '+77012345678' })).json().code).toBe('country_not_allowed');
    expect((await start(t, { to: uniquePhone(), clientIp: '192.0.2.1' })).statusCode).toBe(201);
    expect((await start(t, { to: uniquePhone(), clientIp: '192.0.2.1' })).json().code).toBe('rate_limited');
    expect((await t.call({ method: 'GET', url: '/v1/verifications/vf_nope' })).statusCode).toBe(404);
    expect((await t.call({ method: 'GET', url: '/v1/verifications/vf_nope', key: 'wrong-key-wrong' })).statusCode).toBe(401);
    t.sms.fail(new AppError('provider_unavailable', 'down'));
    expect((await start(t, { to: uniquePhone() })).statusCode).toBe(503);
    const text = await scrape(t);
    for (const reason of ['resend_too_soon', 'country_not_allowed', 'rate_limited', 'verification_not_found', 'unauthorized']) {
      expect(metricValue(text, 'otpgate_refusals_total', { reason }), reason).toBe(1);
    }
    expect(metricValue(text, 'otpgate_errors_total', { code: 'provider_unavailable' })).toBe(1);
    expect(metricValue(text, 'otpgate_http_request_duration_seconds_count', { route: '/v1/verifications', status_class: '4xx' })).toBe(3);
    expect(metricValue(text, 'otpgate_http_request_duration_seconds_count', { route: '/v1/verifications', status_class: '5xx' })).toBe(1);
    expect(metricValue(text, 'otpgate_sends_total', { channel: 'sms', provider: 'recorder', result: 'provider_unavailable' })).toBe(1);
  });

  it('counts auto transitions by from, to and reason', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:0.2,sms:30,voice' });
    await start(t, { to: PHONE, channel: 'auto' });
    t.flash.fail(new AppError('provider_error', 'refused'));
    await start(t, { to: uniquePhone(), channel: 'auto' });
    await sleep(500);
    const text = await scrape(t);
    expect(metricValue(text, 'otpgate_auto_transitions_total', { from: 'flash_call', to: 'sms', reason: 'timeout' })).toBe(1);
    expect(metricValue(text, 'otpgate_auto_transitions_total', { from: 'flash_call', to: 'sms', reason: 'failed' })).toBe(1);
    expect(metricValue(text, 'otpgate_verifications_started_total', { channel: 'auto' })).toBe(2);
  });

  it('counts an undelivered move of auto, and the approval under its requested channel', async () => {
    const t = await open({ AUTO_WORKFLOW: 'flash_call:30,sms:30,voice' });
    const v = (await start(t, { to: PHONE, channel: 'auto' })).json();
    await t.app.verifications.applyDeliveryStatus('recorder', 'recorder-1', 'undelivered');
    for (let i = 0; i < 50 && t.sms.sent.length === 0; i++) await sleep(20);
    expect((await check(t, v.id, t.sms.lastCode())).json().status).toBe('approved');
    const text = await scrape(t);
    expect(metricValue(text, 'otpgate_auto_transitions_total', { from: 'flash_call', to: 'sms', reason: 'undelivered' })).toBe(1);
    expect(metricValue(text, 'otpgate_auto_transitions_total', { from: 'flash_call', to: 'sms', reason: 'timeout' })).toBe(0);
    expect(metricValue(text, 'otpgate_verifications_approved_total', { requested_channel: 'auto', channel: 'sms' })).toBe(1);
    expect(metricValue(text, 'otpgate_checks_total', { channel: 'sms', result: 'approved' })).toBe(1);
    expect(metricValue(text, 'otpgate_time_to_approval_seconds_count', { channel: 'sms' })).toBe(1);
  });

  it('leaves test numbers out of business metrics', async () => {
    const t = await open({ TEST_NUMBERS: '+79990000001:123456' });
    const v = (await start(t, { to: '+79990000001' })).json();
    await check(t, v.id, '123456');
    const text = await scrape(t);
    expect(metricValue(text, 'otpgate_verifications_started_total', { channel: 'sms' })).toBe(0);
    expect(metricValue(text, 'otpgate_checks_total', { channel: 'sms', result: 'approved' })).toBe(0);
  });

  it('protects /metrics with METRICS_TOKEN when set', async () => {
    const t = await open({ METRICS_TOKEN: 'metrics-token-0123456789' });
    const denied = await t.call({ method: 'GET', url: '/metrics', key: null });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['content-type']).toContain('application/problem+json');
    expect((await t.call({ method: 'GET', url: '/metrics', key: 'metrics-token-0123456789x' })).statusCode).toBe(401);
    const ok = await t.call({ method: 'GET', url: '/metrics', key: 'metrics-token-0123456789' });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('otpgate_build_info');
  });

  it('reports the store down at scrape time (Redis stopped)', async () => {
    const redis = await startRedisServer();
    try {
      const t = await open({ REDIS_URL: redis.url }, 'redis');
      expect(metricValue(await scrape(t), 'otpgate_store_up')).toBe(1);
      await redis.stop();
      const down = await t.call({ method: 'GET', url: '/metrics', key: null });
      expect(down.statusCode).toBe(200);
      expect(metricValue(down.body, 'otpgate_store_up')).toBe(0);
    } finally {
      await redis.stop();
    }
  });
});
