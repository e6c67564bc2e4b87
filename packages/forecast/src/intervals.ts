/**
 * @module Prediction intervals: Gaussian ones for models with a variance formula, and split
 * conformal ones from backtest errors for everything else.
 */
import type { Interval } from "./types.js";

// Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9).
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** The p-quantile of the standard normal distribution, 0 < p < 1. */
export function normalQuantile(p: number): number {
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = D as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/** point ± z·sd for each level, with sd given per horizon step. */
export function gaussianIntervals(
  points: ArrayLike<number>,
  sd: ArrayLike<number>,
  levels: number[],
): Interval[] {
  return levels.map((level) => {
    const z = normalQuantile(0.5 + level / 200);
    const lower: number[] = [];
    const upper: number[] = [];
    for (let k = 0; k < points.length; k++) {
      lower.push((points[k] as number) - z * (sd[k] as number));
      upper.push((points[k] as number) + z * (sd[k] as number));
    }
    return { level, lower, upper };
  });
}

/**
 * Split conformal intervals from backtest errors. For horizon step k the absolute errors of all
 * windows at steps k−radius..k+radius form the calibration pool, because a handful of windows
 * alone give too few errors per step; the half-width is the pool's ⌈(n+1)·level⌉-th smallest
 * error (the largest when the pool is too small for the level).
 *
 * @param errors one array per backtest window, actual − forecast for steps 1..h.
 */
export function conformalIntervals(
  points: ArrayLike<number>,
  errors: ArrayLike<number>[],
  levels: number[],
  radius: number,
): Interval[] {
  const h = points.length;
  const pool = new Float64Array(errors.length * (2 * radius + 1));
  const halfWidths = levels.map(() => new Float64Array(h));
  for (let k = 0; k < h; k++) {
    let size = 0;
    for (const window of errors) {
      const last = Math.min(window.length - 1, k + radius);
      for (let j = Math.max(0, k - radius); j <= last; j++) {
        const e = window[j] as number;
        if (Number.isFinite(e)) pool[size++] = Math.abs(e);
      }
    }
    const sorted = pool.subarray(0, size).sort();
    levels.forEach((level, i) => {
      const rank = Math.min(size, Math.ceil((size + 1) * (level / 100)));
      (halfWidths[i] as Float64Array)[k] = size > 0 ? (sorted[rank - 1] as number) : Number.NaN;
    });
  }
  return levels.map((level, i) => {
    const width = halfWidths[i] as Float64Array;
    const lower: number[] = [];
    const upper: number[] = [];
    for (let k = 0; k < h; k++) {
      lower.push((points[k] as number) - (width[k] as number));
      upper.push((points[k] as number) + (width[k] as number));
    }
    return { level, lower, upper };
  });
}

/** How many neighbouring steps on each side join a step's calibration pool: ±3 for h = 48. */
export function conformalRadius(h: number): number {
  return Math.max(1, Math.round(h / 16));
}

/** Lower bounds below zero raised to zero, for series that cannot go negative. */
export function clipLowerAtZero(intervals: Interval[]): Interval[] {
  return intervals.map((i) => ({ ...i, lower: i.lower.map((v) => Math.max(0, v)) }));
}
