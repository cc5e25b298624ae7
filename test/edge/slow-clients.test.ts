import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp, type TestApp } from '../helpers/app.js';

// Slow clients do not hold sockets (issue 9): headers must arrive within
// HTTP_HEADERS_TIMEOUT_MS (short here), and the service answers others meanwhile.

const SLOW = 200;
let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await makeApp({ store: 'embedded', env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '3000' } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await t?.close();
});

function slowHeaders(): Promise<{ socket: Socket; closed: Promise<{ at: number; answer: string }> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      // A header byte now and then, never the end of the headers.
      const drip = setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 200);
      let answer = '';
      socket.on('data', (d) => (answer += d));
      const closed = new Promise<{ at: number; answer: string }>((res) =>
        socket.on('close', () => {
          clearInterval(drip);
          res({ at: Date.now(), answer });
        }),
      );
      resolve({ socket, closed });
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

describe('slow clients', () => {
  it(`answers a normal request fast while ${SLOW} slow-header connections are open, and closes those after the header timeout`, async () => {
    const opened = Date.now();
    const slow = await Promise.all(Array.from({ length: SLOW }, slowHeaders));
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(res.status).toBe(200);
      times.push(Date.now() - t0);
    }
    times.sort((a, b) => a - b);
    expect(times[2]).toBeLessThan(250);

    const closed = await Promise.all(slow.map((s) => s.closed));
    const latest = Math.max(...closed.map((c) => c.at)) - opened;
    // 1 s timeout, checked every 250 ms; generous slack for a loaded CI machine.
    expect(latest).toBeLessThan(4000);
    for (const c of closed) expect(c.answer).toMatch(/^HTTP\/1\.1 408 [^\r]*\r\n[\s\S]*application\/problem\+json/);
  }, 20_000);
});
