import { afterEach } from 'vitest';
import { makeApp, PHONE, type StoreKind, type TestApp, type TestAppOptions } from './app.js';

// The engine semantics suite's fixture (test/e2e/engine-*.test.ts), for one store.

/** Registers closing every app a test opened; answers `open` and request builders that take the app. */
export function engineFixture(store: StoreKind) {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });

  const open = async (env: Record<string, string> = {}, opts: Partial<TestAppOptions> = {}) => {
    const a = await makeApp({ store, ...opts, env });
    apps.push(a);
    return a;
  };
  const start = (t: TestApp, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    t.call({ method: 'POST', url: '/v1/verifications', payload: { to: PHONE, ...body }, headers });
  const check = (t: TestApp, id: string, code: string) => t.call({ method: 'POST', url: '/v1/verifications/check', payload: { id, code } });
  const get = async (t: TestApp, id: string) => (await t.call({ method: 'GET', url: `/v1/verifications/${id}` })).json();
  /** Codes sent on every channel. */
  const sends = (t: TestApp) => t.flash.sent.length + t.sms.sent.length + t.voice.sent.length;

  return { open, start, check, get, sends };
}
