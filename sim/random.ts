// Seeded randomness for the simulator: every verification draws from streams derived from
// (seed, strategy, index, purpose), so a run's decisions do not depend on which request
// happened to finish first.

export type Rng = () => number;

/** mulberry32: small, fast, good enough for a simulation (not for codes). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the parts' text: a 32-bit seed per stream. */
export function streamSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export const stream = (...parts: (string | number)[]): Rng => mulberry32(streamSeed(...parts));

/** A delay around `mean` seconds (uniform 0.5×–1.5×), in milliseconds. */
export const jittered = (rng: Rng, meanSeconds: number) => Math.round(meanSeconds * (0.5 + rng()) * 1000);
