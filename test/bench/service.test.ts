import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codesFromLog, median, reads, startBody, wrongChecks } from '../../bench/service.js';

// What the benches send must be what their tables say: new numbers, wrong codes, the ids made.
describe('bench requests', () => {
  it('starts go to a new valid number each time', () => {
    const tos = Array.from({ length: 2000 }, () => (JSON.parse(startBody().body) as { to: string }).to);
    expect(new Set(tos).size).toBe(tos.length);
    for (const to of tos) expect(to).toMatch(/^\+7916\d{7}$/);
  });

  it('checks send each id a code that is never the right one, from the codes the console provider logged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-service-'));
    const log = join(dir, 'otpgate.log');
    const lines = [
      { msg: 'request', verificationId: 'vf_a' },
      { devOutput: 'console-provider', verificationId: 'vf_a', code: '123459' },
      { devOutput: 'console-provider', verificationId: 'vf_b', code: '000000' },
    ];
    writeFileSync(log, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const codes = codesFromLog(log);
    expect([...codes]).toEqual([
      ['vf_a', '123459'],
      ['vf_b', '000000'],
    ]);
    const next = wrongChecks(['vf_a', 'vf_b'], (id) => codes.get(id));
    const sent = Array.from({ length: 4 }, () => JSON.parse(next().body) as { id: string; code: string });
    expect(sent).toEqual([
      { id: 'vf_a', code: '123450' },
      { id: 'vf_b', code: '000001' },
      { id: 'vf_a', code: '123450' },
      { id: 'vf_b', code: '000001' },
    ]);
  });

  it('reads go round the ids, and a median is the middle (or the mean of the two middles)', () => {
    const next = reads(['vf_a', 'vf_b']);
    expect([next(), next(), next()].map((r) => r.path)).toEqual(['/v1/verifications/vf_a', '/v1/verifications/vf_b', '/v1/verifications/vf_a']);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
