import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/redis-server.js';
import { startServiceProcess, type ServiceProcess } from './helpers/service-process.js';

// The README's curl walk-through, run as written against `src/server.ts` on development
// defaults: each curl of the block is sent (with fetch: curl need not be installed), the code
// is read from the virtual phone as the README says, and each answer must be the one the
// README's `# → status {…}` comment shows. Then the cooldown paragraph: a second start to the
// number inside it is 429 resend_too_soon with Retry-After.

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

interface Step {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  expected: { status: number; fields: string };
}

/** The walk-through's curl commands, each with the answer its `# →` comment shows. */
function walkThrough(): Step[] {
  const block = /## Walk-through with curl\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no "Walk-through with curl" block');
  const lines = block.replace(/\\\n\s*/g, ' ').split('\n');
  const steps: Step[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line.startsWith('curl ')) continue;
    const tokens = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
    const step: Step = { method: 'GET', path: '', headers: {}, expected: { status: 0, fields: '' } };
    for (let t = 1; t < tokens.length; t++) {
      if (tokens[t] === '-X') step.method = tokens[++t];
      else if (tokens[t] === '-H') {
        const [k, ...v] = tokens[++t].split(':');
        step.headers[k.trim()] = v.join(':').trim();
      } else if (tokens[t] === '-d') step.body = tokens[++t];
      else if (tokens[t].startsWith('localhost:3000/')) step.path = tokens[t].slice('localhost:3000'.length);
    }
    const arrow = lines.slice(i + 1).find((l) => l.startsWith('# → '));
    const m = /^# → (\d{3}) (\{.*\})$/.exec(arrow ?? '');
    if (!m) throw new Error(`no "# → status {…}" answer after: ${line}`);
    step.expected = { status: Number(m[1]), fields: m[2] };
    steps.push(step);
  }
  return steps;
}

/** `{"id":"vf_…","valid":true,…}`: every field shown must be in the answer; `…` ends a prefix. */
function expectShown(answer: Record<string, unknown>, shown: string) {
  const fields = [...shown.matchAll(/"(\w+)":("[^"]*"|[^,}]+)/g)];
  expect(fields.length).toBeGreaterThan(0);
  for (const [, key, value] of fields) {
    if (value.includes('…')) expect(String(answer[key]), key).toMatch(new RegExp(`^${value.slice(1, value.indexOf('…'))}`));
    else expect(answer[key], key).toEqual(JSON.parse(value));
  }
}

describe('README walk-through', () => {
  let service: ServiceProcess;
  beforeAll(async () => {
    service = startServiceProcess(await freePort(), {});
    await service.listening();
  });
  afterAll(() => service?.stop());

  it('answers each curl as the README shows, with the code from the virtual phone, then the cooldown', async () => {
    const base = `http://127.0.0.1:${service.port}`;
    const steps = walkThrough();
    expect(steps.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /v1/verifications', 'POST /v1/verifications/check']);
    let started: { id: string } | undefined;
    for (const step of steps) {
      let body = step.body;
      if (body?.includes('<the code from the phone>')) {
        const { entries } = (await (await fetch(`${base}/dev/phone/entries`)).json()) as { entries: { verificationId?: string; code?: string }[] };
        const code = entries.filter((e) => e.verificationId === started?.id).at(-1)?.code;
        expect(code).toMatch(/^\d{6}$/);
        body = body.replace('<the code from the phone>', code!);
      }
      const res = await fetch(base + step.path, { method: step.method, headers: step.headers, body });
      const answer = (await res.json()) as Record<string, unknown>;
      expect(res.status, JSON.stringify(answer)).toBe(step.expected.status);
      expectShown(answer, step.expected.fields);
      started ??= answer as { id: string };
    }

    // "A second start to the same number within 30 seconds answers 429 resend_too_soon with Retry-After".
    expect(readme).toMatch(/second start to the same number within 30 seconds answers `429 resend_too_soon`/);
    const again = await fetch(base + steps[0].path, { method: 'POST', headers: steps[0].headers, body: steps[0].body });
    expect(again.status).toBe(429);
    expect(((await again.json()) as { code: string }).code).toBe('resend_too_soon');
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
