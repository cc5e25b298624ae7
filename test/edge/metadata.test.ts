import { afterEach, describe, expect, it } from 'vitest';
import { metadataProblem } from '../../src/metadata.js';
import { makeApp, STORES, uniquePhone, type TestApp } from '../helpers/app.js';

// Metadata is bounded (issue 9): deep, wide or long metadata is a 400 before any send, and
// whatever is accepted reads back on both stores.

const nested = (depth: number, leaf: unknown = 1): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
};
// Built as text: JSON.stringify itself would recurse on a very deep object.
const deepJson = (depth: number, key = 'a') => `${`{"${key}":`.repeat(depth)}1${'}'.repeat(depth)}`;

describe.each(STORES)('metadata limits (%s store)', (store) => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
  });

  const start = (body: string) =>
    t.call({ method: 'POST', url: '/v1/verifications', payload: body, headers: { 'content-type': 'application/json' } });

  it('refuses metadata nested 3,000 levels deep with 400 before any send, and the service goes on', async () => {
    t = await makeApp({ store });
    // "constructor" keys make the JSON parser scan for prototype poisoning: deep as well.
    for (const [depth, key] of [[3000, 'a'], [10_000, 'a'], [3000, 'constructor']] as const) {
      const res = await start(`{"to":"${uniquePhone()}","metadata":${deepJson(depth, key)}}`);
      expect(res.statusCode, `${depth} ${key}`).toBe(400);
      expect(res.json().code).toBe('invalid_request');
    }
    expect(t.sms.sent).toHaveLength(0);
    const ok = await start(JSON.stringify({ to: uniquePhone(), metadata: { userId: 'u1' } }));
    expect(ok.statusCode).toBe(201);
  });

  it('refuses each limit crossed by one and keeps metadata at the limits as given', async () => {
    t = await makeApp({ store });
    // 5 levels; 3 top keys + 4 nested keys + 20 items + 23 keys = 50 entries; under 4 KB.
    const atLimits = {
      deep: nested(4, 'x'.repeat(512)),
      list: Array.from({ length: 20 }, (_, i) => i),
      more: Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`k${i}`, i])),
    };
    expect(metadataProblem(atLimits)).toBeUndefined();
    const res = await start(JSON.stringify({ to: uniquePhone(), metadata: atLimits }));
    expect(res.statusCode).toBe(201);
    const read = await t.call({ method: 'GET', url: `/v1/verifications/${res.json().id}` });
    expect(read.json().metadata).toEqual(atLimits);

    const over = [
      { deep: nested(5) }, // 6 levels
      { s: 'x'.repeat(513) },
      { ['k'.repeat(513)]: 1 },
      Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])),
      { list: Array.from({ length: 50 }, () => 0) }, // 51 entries
      Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'x'.repeat(500)])), // > 4 KB
    ];
    for (const metadata of over) {
      const r = await start(JSON.stringify({ to: uniquePhone(), metadata }));
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('invalid_request');
      expect(r.json().detail).toMatch(/^metadata: /);
    }
    expect(t.sms.sent).toHaveLength(1);
  });
});
