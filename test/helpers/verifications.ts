import { afterEach } from 'vitest';
import { makeApp, type StoreKind, type TestApp, type TestAppOptions } from './app.js';

// The verifications contract suite's fixture (test/routes/verifications*.test.ts), for one store.

/** Registers closing the test's app after each test; answers `open` (the test's app) and
 *  request builders that go to the app opened last. */
export function contractFixture(store: StoreKind) {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const app = () => {
    if (!t) throw new Error('open() the app before calling it');
    return t;
  };

  return {
    open: async (opts: Omit<TestAppOptions, 'store'> = {}) => (t = await makeApp({ store, ...opts })),
    start: (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
      app().call({ method: 'POST', url: '/v1/verifications', payload: body, headers }),
    check: (body: Record<string, unknown>, key?: string) =>
      app().call({ method: 'POST', url: '/v1/verifications/check', payload: body, key }),
  };
}
