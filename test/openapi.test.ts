import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClientSchema, generateOpenApi } from '../scripts/openapi.js';
import { PROVIDER_DETAILS, providerFailure, type ProviderErrorCode } from '../src/channels/provider-errors.js';
import { ERROR_CODES } from '../src/errors.js';
import { CHECK_EXAMPLE, RESEND_EXAMPLE, START_EXAMPLE } from '../src/openapi/examples.js';
import { KEY_ACME, makeApp, uniquePhone, type TestApp } from './helpers/app.js';

type Json = Record<string, any>;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const operations = (doc: Json) =>
  Object.entries<Json>(doc.paths).flatMap(([path, item]) =>
    Object.entries<Json>(item).map(([method, op]) => ({ path, method, op })),
  );

/** The codes the document says an operation can answer with at a status. */
const documentedCodes = (doc: Json, path: string, method: string, status: number): string[] =>
  doc.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/problem+json']?.schema?.properties?.code?.enum ?? [];

describe('openapi/openapi.json', () => {
  let doc: Json;
  beforeAll(async () => {
    doc = JSON.parse(await generateOpenApi());
  });

  it('is what the code generates (run `npm run openapi` after changing a route)', async () => {
    const committed = readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(JSON.stringify(doc, null, 2) + '\n');
  });

  it("the typed client's types are generated from it (run `npm run openapi`)", async () => {
    const committed = readFileSync(new URL('../client/src/schema.d.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await generateClientSchema(JSON.stringify(doc, null, 2) + '\n'));
  });

  it('documents every endpoint of the contract, each with a unique operationId', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe(pkg.version);
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/verifications',
        '/v1/verifications/check',
        '/v1/verifications/{id}',
        '/v1/verifications/{id}/resend',
        '/v1/verifications/{id}/cancel',
        '/v1/callbacks/smstraffic/{token}',
        '/v1/callbacks/twilio/voice/{token}',
        '/healthz',
        '/readyz',
      ]),
    );
    const ids = operations(doc).map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0), ids.join()).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('names the shapes a client needs as components', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Verification', 'Attempt', 'CheckResult', 'Problem', 'StartRequest', 'CheckRequest']),
    );
    const start = doc.paths['/v1/verifications'].post;
    expect(start.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/StartRequest' });
    expect(start.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Verification' });
    expect(doc.components.schemas.StartRequest.required).toEqual(['to']);
    expect(doc.components.schemas.Verification.properties.createdAt.format).toBe('date-time');
    expect(doc.components.schemas.Attempt.properties.at.format).toBe('date-time');
  });

  it('gives every integer sane bounds', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toContain(String(Number.MAX_SAFE_INTEGER));
  });

  it('answers refusals as application/problem+json, one response per status with its codes', () => {
    for (const { path, method, op } of operations(doc)) {
      for (const [status, r] of Object.entries<Json>(op.responses)) {
        expect(status, `${method} ${path}`).toMatch(/^\d{3}$/);
        if (Number(status) < 400) continue;
        const media = r.content['application/problem+json'];
        expect(Object.keys(r.content), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        const codes: string[] = media.schema.properties.code.enum;
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) {
          expect(ERROR_CODES[code as keyof typeof ERROR_CODES], code).toBeDefined();
          if (![413, 415].includes(Number(status))) expect(ERROR_CODES[code as keyof typeof ERROR_CODES].status).toBe(Number(status));
          expect(media.examples[code].value).toMatchObject({ code, status: Number(status) });
        }
        expect(r.headers['X-Request-Id']).toBeDefined();
        if (status === '429') expect(r.headers['Retry-After']).toBeDefined();
      }
    }
    const start = doc.paths['/v1/verifications'].post.responses;
    expect(start['429'].content['application/problem+json'].schema.properties.code.enum).toEqual(
      expect.arrayContaining(['resend_too_soon', 'rate_limited']),
    );
    expect(start['201'].headers).toMatchObject({ 'Idempotent-Replayed': expect.anything(), 'X-RateLimit-Remaining': expect.anything() });
    expect(doc.paths['/readyz'].get.responses['503']).toBeDefined();
  });

  it('documents the callbacks with their real media types', () => {
    const sms = doc.paths['/v1/callbacks/smstraffic/{token}'].post;
    expect(Object.keys(sms.requestBody.content)).toEqual(['application/x-www-form-urlencoded']);
    expect(Object.keys(sms.responses['200'].content)).toEqual(['text/plain']);
    const voice = doc.paths['/v1/callbacks/twilio/voice/{token}'].post;
    expect(Object.keys(voice.responses['200'].content)).toEqual(['text/xml']);
    expect(sms.security).toEqual([]);
  });
});

describe('the OpenAPI examples, sent as they are', () => {
  let t: TestApp;
  let doc: Json;
  beforeAll(async () => {
    t = await makeApp({ store: 'embedded', env: { RESEND_COOLDOWN_SECONDS: '30' } });
    doc = JSON.parse(await generateOpenApi());
  });
  afterAll(() => t.close());

  const exampleOf = (path: string) => doc.paths[path].post.requestBody.content['application/json'].example;

  it('are the ones the document shows', () => {
    expect(exampleOf('/v1/verifications')).toEqual(START_EXAMPLE);
    expect(exampleOf('/v1/verifications/check')).toEqual(CHECK_EXAMPLE);
    expect(exampleOf('/v1/verifications/{id}/resend')).toEqual(RESEND_EXAMPLE);
  });

  it('start answers 201, check 200, and refusals carry a documented code', async () => {
    const start = await t.call({ method: 'POST', url: '/v1/verifications', payload: START_EXAMPLE });
    expect(start.statusCode, start.body).toBe(201);
    expect(start.json()).toMatchObject({ to: START_EXAMPLE.to, status: 'pending', metadata: START_EXAMPLE.metadata });

    const check = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: CHECK_EXAMPLE });
    expect(check.statusCode, check.body).toBe(200);

    // Inside the cooldown: the refusals the document lists for these operations.
    const again = await t.call({ method: 'POST', url: '/v1/verifications', payload: START_EXAMPLE });
    expect(again.statusCode).toBe(429);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(documentedCodes(doc, '/v1/verifications', 'post', 429)).toContain(again.json().code);
    const resend = await t.call({ method: 'POST', url: `/v1/verifications/${start.json().id}/resend`, payload: RESEND_EXAMPLE });
    expect(documentedCodes(doc, '/v1/verifications/{id}/resend', 'post', resend.statusCode)).toContain(resend.json().code);
    const unknown = await t.call({ method: 'GET', url: '/v1/verifications/vf_nope' });
    expect(documentedCodes(doc, '/v1/verifications/{id}', 'get', unknown.statusCode)).toContain(unknown.json().code);
    const noKey = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: CHECK_EXAMPLE, key: null });
    expect(documentedCodes(doc, '/v1/verifications/check', 'post', noKey.statusCode)).toContain(noKey.json().code);
    const badCode = await t.call({ method: 'POST', url: '/v1/verifications/check', payload: { ...CHECK_EXAMPLE, code: '12' } });
    expect(documentedCodes(doc, '/v1/verifications/check', 'post', badCode.statusCode)).toContain(badCode.json().code);
  });
});

describe('provider refusals, as the caller sees them', () => {
  let t: TestApp;
  let doc: Json;
  beforeAll(async () => {
    t = await makeApp({ store: 'embedded' });
    doc = JSON.parse(await generateOpenApi());
  });
  afterAll(() => t.close());

  // Every code a provider adapter may refuse with reaches the caller of a start or a resend;
  // each must be one the document lists for that operation at that status.
  it.each(Object.keys(PROVIDER_DETAILS) as ProviderErrorCode[])('%s on start and on resend is documented', async (code) => {
    t.sms.fail(providerFailure(code));
    const start = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone(), channel: 'sms' } });
    expect(start.json().code).toBe(code);
    expect(documentedCodes(doc, '/v1/verifications', 'post', start.statusCode)).toContain(code);

    t.sms.fail(undefined);
    const started = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone(), channel: 'sms' } });
    expect(started.statusCode, started.body).toBe(201);
    t.sms.fail(providerFailure(code));
    const resend = await t.call({ method: 'POST', url: `/v1/verifications/${started.json().id}/resend`, payload: {} });
    t.sms.fail(undefined);
    expect(resend.json().code).toBe(code);
    expect(documentedCodes(doc, '/v1/verifications/{id}/resend', 'post', resend.statusCode)).toContain(code);
  });
});

describe('bodies refused before any route runs, as documented', () => {
  let t: TestApp;
  let doc: Json;
  const TOKEN = 'callback-token-0123456789';
  beforeAll(async () => {
    t = await makeApp({ store: 'embedded', env: { CALLBACK_TOKEN: TOKEN } });
    doc = JSON.parse(await generateOpenApi());
  });
  afterAll(() => t.close());

  // Any POST may be sent a body that cannot be read: malformed JSON, an unknown media type, or
  // one over the size limit. Whatever each operation answers must be in its document.
  const BAD = {
    'malformed JSON': { 'content-type': 'application/json', body: '{"to":' },
    'an unknown media type': { 'content-type': 'application/xml', body: '<to/>' },
    'over 64 KiB': { 'content-type': 'application/json', body: JSON.stringify({ metadata: { x: 'y'.repeat(70_000) } }) },
  };

  it('every POST operation documents its answer to an unreadable body', async () => {
    const started = await t.call({ method: 'POST', url: '/v1/verifications', payload: { to: uniquePhone() } });
    const undocumented: string[] = [];
    for (const { path, method } of operations(doc).filter((o) => o.method === 'post')) {
      const url = path.replace('{id}', started.json().id).replace('{token}', TOKEN);
      for (const [what, { body, ...headers }] of Object.entries(BAD)) {
        const res = await t.app.inject({ method: 'POST', url, headers: { ...headers, authorization: `Bearer ${KEY_ACME}` }, payload: body });
        const code = res.statusCode >= 400 ? res.json().code : undefined;
        if (!documentedCodes(doc, path, method, res.statusCode).includes(code)) undocumented.push(`${path} ${what}: ${res.statusCode} ${code}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});
