import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../src/config.js';
import { ERROR_CODES } from '../src/errors.js';
import { makeApp } from './helpers/app.js';

// docs/configuration.md, docs/errors.md and docs/operations.md are written by hand; these tests
// hold them to the code's own lists (the config schema, src/errors.ts, the routes) so that they
// cannot drift: every entry documented once, nothing documented that the code does not have,
// and the same defaults.

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** The rows of every markdown table whose first cell is a backticked name. */
function rows(markdown: string, first: RegExp): string[][] {
  return markdown
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .map((l) => l.slice(2, -2).split(' | '))
    .filter((cells) => first.test(cells[0]));
}

describe('docs/configuration.md', () => {
  // `PRICE_<CHANNEL>_<PROVIDER>` names a family of variables (src/ops/settings.ts parsePrices).
  const documented = rows(read('docs/configuration.md'), /^`[A-Z][A-Z0-9_]*`$/).map(([name, dflt]) => ({ name: name.slice(1, -1), dflt }));
  const shape = envSchema.shape as Record<string, { parse(v: unknown): unknown }>;

  it('documents each variable of the config schema once, and none it does not have', () => {
    const names = documented.map((d) => d.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(names.filter((n) => !(n in shape))).toEqual([]);
    expect(Object.keys(shape).filter((n) => !names.includes(n))).toEqual([]);
  });

  it('gives the default the code applies', () => {
    const wrong: string[] = [];
    for (const { name, dflt } of documented) {
      const actual = shape[name].parse(undefined);
      const literal = /^`([^`]*)`/.exec(dflt)?.[1];
      // "unset", "empty (all)", "random per process": nothing applies until it is set.
      const same =
        literal === undefined
          ? actual === undefined || (Array.isArray(actual) && actual.length === 0)
          : JSON.stringify(shape[name].parse(literal)) === JSON.stringify(actual);
      if (!same) wrong.push(`${name}: docs say ${dflt}, the code applies ${JSON.stringify(actual)}`);
    }
    expect(wrong).toEqual([]);
  });

});

describe('docs/errors.md', () => {
  const documented = rows(read('docs/errors.md'), /^\d{3}$/).map(([status, code, when]) => ({ status: Number(status), code: code.slice(1, -1), when }));

  it('lists every error code of src/errors.ts once, with its status, and no other', () => {
    const listed = documented.map((d) => `${d.status} ${d.code}`).sort();
    const codes = Object.entries(ERROR_CODES).map(([code, { status }]) => `${status} ${code}`).sort();
    expect(listed).toEqual(codes);
  });

  it('says when each one happens', () => {
    expect(documented.filter((d) => !d.when || d.when.split(' ').length < 4).map((d) => d.code)).toEqual([]);
  });
});

describe('docs/operations.md', () => {
  it('lists the service paths outside /v1, each one a route the app serves (development defaults)', async () => {
    const paths = rows(read('docs/operations.md'), /^`GET \/\S*`$/).map(([cell]) => cell.slice(5, -1));
    expect(paths).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/docs', '/openapi.json', '/', '/dev/phone']));
    const t = await makeApp({ store: 'embedded', configuredProviders: true });
    try {
      expect(paths.filter((url) => !t.app.hasRoute({ method: 'GET', url }))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
