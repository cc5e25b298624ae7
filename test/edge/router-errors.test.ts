import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, KEY_ACME, type TestApp } from '../helpers/app.js';
import { rawRequest } from '../helpers/raw-http.js';

// Answers written below the routes (router and HTTP parser) are problem+json with a contract
// code, echo nothing of the request, and carry an X-Request-Id (issues 8 and 9).

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await makeApp({ store: 'embedded', env: { HTTP_HEADERS_TIMEOUT_MS: '600', HTTP_REQUEST_TIMEOUT_MS: '1200' } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await t?.close();
});

const MARK = 'zq7secretmarker';
const auth = `Authorization: Bearer ${KEY_ACME}\r\n`;
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${auth}${extra}\r\n`;

function expectProblem(a: { status: number; headers: Record<string, string>; body: string }, status: number, code: string) {
  expect(a.status).toBe(status);
  expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(a.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  const p = JSON.parse(a.body);
  expect(p).toMatchObject({ status, code });
  expect(a.body).not.toContain(MARK);
}

describe('router and parser errors', () => {
  it('an over-long id of any shape is a 404 verification_not_found, not a 414 echoing the URL', async () => {
    for (const id of [`vf_${'a'.repeat(2000)}${MARK}`, `${MARK}${'x'.repeat(12_000)}`]) {
      expectProblem(await rawRequest(port, get(`/v1/verifications/${id}`)), 404, 'verification_not_found');
    }
    const r = await t.call({ method: 'GET', url: `/v1/verifications/${MARK}${'%41'.repeat(3000)}` });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('verification_not_found');
  });

  it('a malformed URL is a 400 invalid_request', async () => {
    expectProblem(await rawRequest(port, get(`/v1/verifications/${MARK}%ZZ`)), 400, 'invalid_request');
    const r = await t.call({ method: 'GET', url: `/v1/verifications/${MARK}%ZZ` });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
    expect(r.body).not.toContain(MARK);
  });

  it('oversized headers are a 431 problem', async () => {
    expectProblem(await rawRequest(port, get('/v1/verifications/x', `X-Big: ${MARK}${'a'.repeat(20_000)}\r\n`)), 431, 'invalid_request');
  });

  it('an URL past the header limit is a 431 problem', async () => {
    expectProblem(await rawRequest(port, get(`/v1/verifications/${MARK}${'a'.repeat(20_000)}`)), 431, 'invalid_request');
  });

  it('malformed headers, Content-Length with Transfer-Encoding and NUL bytes are 400 problems', async () => {
    const body = '{"to":"+79161234567"}';
    const cases = [
      `GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header${MARK}: y\r\n\r\n`,
      `POST /v1/verifications HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0${MARK}\r\n\r\n`,
      `GET /v1/verifications/a\0${MARK} HTTP/1.1\r\nHost: x\r\n\r\n`,
      `NOT HTTP AT ALL ${MARK}\r\n\r\n`,
    ];
    for (const c of cases) expectProblem(await rawRequest(port, c), 400, 'invalid_request');
  });

  it('a request whose headers never finish is answered 408 problem+json and closed', async () => {
    const a = await rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${MARK}`, 5000);
    expectProblem(a, 408, 'invalid_request');
    expect(a.headers.connection).toBe('close');
  });

  it('a body that never finishes is answered 408 within the request timeout', async () => {
    const started = Date.now();
    const a = await rawRequest(
      port,
      `POST /v1/verifications HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"to":`,
      5000,
    );
    expect(Date.now() - started).toBeLessThan(4000);
    expectProblem(a, 408, 'invalid_request');
  });

  it('a body that is not JSON is refused without quoting it', async () => {
    const r = await t.call({ method: 'POST', url: '/v1/verifications', payload: `{"to": "${MARK}+79161234567"`, headers: { 'content-type': 'application/json' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().code).toBe('invalid_request');
    expect(r.body).not.toContain(MARK);
    expect(r.body).not.toContain('7916');
  });
});
