/** @module Seeded synthetic series for the tests, so every run sees the same data. */

/** mulberry32: a small, fast, seedable uniform generator on [0, 1). */
export function uniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller. */
export function gaussian(seed: number): () => number {
  const next = uniform(seed);
  return () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

/** n points of level + amplitude·sin(2πt/period) + noise·N(0,1). */
export function seasonalSeries(
  n: number,
  options: { period: number; level?: number; amplitude?: number; noise?: number; seed?: number },
): number[] {
  const { period, level = 100, amplitude = 10, noise = 0, seed = 1 } = options;
  const draw = gaussian(seed);
  return Array.from(
    { length: n },
    (_, t) => level + amplitude * Math.sin((2 * Math.PI * t) / period) + noise * draw(),
  );
}

/** Hourly-like data: a daily and a weekly cycle whose size scales with the level, plus noise. */
export function hourlySeries(n: number, seed: number, period = 24): number[] {
  const draw = gaussian(seed);
  return Array.from({ length: n }, (_, t) => {
    const daily = 1 + 0.3 * Math.sin((2 * Math.PI * t) / period);
    const weekly = 1 + 0.15 * Math.sin((2 * Math.PI * t) / (7 * period));
    return 500 * daily * weekly * (1 + 0.03 * draw());
  });
}
