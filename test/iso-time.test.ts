import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../src/iso-time.js';

// The resource's times are written without a Date per call: the text must be toISOString's.

describe('isoTime', () => {
  it('writes exactly what toISOString writes, for any time', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -62_198_755_200_000, max: 8_640_000_000_000_000 })), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
    for (const ms of [0, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 253_402_300_799_999, 253_402_300_800_000, -1, 1.5]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });

  it('stays right across many days (its per-day memory is cleared as it fills)', () => {
    const start = Date.UTC(2026, 0, 1);
    for (let d = 0; d < 400; d++) {
      const ms = start + d * 86_400_000 + ((d * 7_919_000 + 123) % 86_400_000);
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
