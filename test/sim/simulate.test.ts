import { describe, expect, it } from 'vitest';
import { defaultOptions, parseOptions, type SimOptions } from '../../sim/options.js';
import { table } from '../../sim/report.js';
import { total } from '../../sim/service.js';
import { simulate } from '../../sim/simulate.js';

// `npm run simulate` with a tiny N: a real otpgate process on its own Redis, the fake providers,
// and settings that make the outcome certain: SMS always arrives and is always read, every
// flash call fails. So sms-only approves everyone with one send each, flash-only no one (each
// user pressing resend once), and `auto` must move on from the failed flash call to SMS for
// every user, well before anyone presses resend.
describe('routing simulator', () => {
  it('prints a row per strategy whose counts, costs and channels follow from the settings', { timeout: 60_000 }, async () => {
    const base = defaultOptions();
    const o: SimOptions = {
      ...base,
      n: 8,
      concurrency: 8,
      seed: 7,
      // The flash step outlasts the failed call's report (status polled every second) by seconds, so
      // auto moves on by failure, not by timeout, even on a loaded machine.
      workflow: 'flash_call:5,sms:3,voice',
      abandon: 0,
      typo: 0.5,
      retype: 0.2,
      patience: 8,
      resendAfter: 5,
      resends: 1,
      provider: {
        sms: { fail: 0, delay: 0.2, price: 3.2 },
        flash_call: { fail: 1, delay: 0.2, price: 0.45 },
        voice: { fail: 0, delay: 0.2, price: 9 },
      },
      user: { sms: { notice: 1, read: 0.3 }, flash_call: { notice: 1, read: 0.3 }, voice: { notice: 1, read: 0.3 } },
    };
    const r = await simulate(o);
    const [sms, flash, auto] = r.rows;
    expect(r.rows.map((x) => [x.strategy, x.verifications])).toEqual([['sms', 8], ['flash_call', 8], ['auto', 8]]);

    expect(sms).toMatchObject({ approved: 8, sends: 8, sendsPerApproval: 1, via: { sms: 8, flash_call: 0, voice: 0 } });
    expect(sms.costPerApproval).toBeCloseTo(3.2, 9);
    expect(sms.medianS).toBeGreaterThan(0);
    expect(sms.p95S).toBeGreaterThanOrEqual(sms.medianS!);

    // Every flash call paid, none arrived: nobody gets in; a start and one resend each.
    expect(flash).toMatchObject({ approved: 0, sends: 16, lost: { gave_up: 8 } });
    expect(flash.cost).toBeCloseTo(16 * 0.45, 9);
    expect(flash.costPerApproval).toBe(Infinity);

    // auto: a failed flash call, then the SMS that approves; the workflow moved on by failure.
    expect(auto).toMatchObject({ approved: 8, sends: 16, sendsPerApproval: 2, via: { sms: 8, flash_call: 0, voice: 0 } });
    expect(auto.costPerApproval).toBeCloseTo(0.45 + 3.2, 9);
    expect(auto.sendsBy).toEqual({ sms: 8, flash_call: 8, voice: 0 });
    expect(total(r.metrics, 'otpgate_auto_transitions_total', { from: 'flash_call', to: 'sms', reason: 'undelivered' })).toBe(8);

    // What the fakes accepted is what the service counted and charged.
    expect(r.totals.sendsMetric).toBe(r.totals.sends);
    expect(r.totals.costMetric).toBeCloseTo(r.totals.cost, 9);
    expect(r.totals.approvalsMetric).toBe(16);
    expect({ stray: r.stray, reportErrors: r.reportErrors, unsettled: r.unsettled }).toEqual({ stray: 0, reportErrors: 0, unsettled: 0 });

    const lines = table(r.rows, 'RUB').split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[2]).toMatch(/^\| sms \| 100\.0 % \(8\/8\) \| [\d.]+ s \| [\d.]+ s \| 1\.00 \| 3\.20 \| sms 100 % \| 0 · 0 · 0 \|$/);
    expect(lines[3]).toMatch(/^\| flash_call \| 0\.0 % \(0\/8\) \| – \| – \| – \| – \| – \| 0 · 8 · 0 \|$/);
  });

  it('refuses flags out of range', () => {
    expect(() => parseOptions(['--sms-fail', '1.5'])).toThrow(/--sms-fail/);
    expect(() => parseOptions(['--strategies', 'sms,pigeon'])).toThrow(/pigeon/);
    expect(parseOptions(['--n', '10', '--seed', '3'])).toMatchObject({ n: 10, seed: 3, strategies: ['sms', 'flash_call', 'auto'] });
  });
});
