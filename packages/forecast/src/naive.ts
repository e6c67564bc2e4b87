/** @module Naive forecasts: the last value, or the last full season repeated. */

/** Repeats the last observation h times. */
export function naiveForecast(y: ArrayLike<number>, h: number): Float64Array {
  return new Float64Array(h).fill(y[y.length - 1] as number);
}

/** Repeats the last m observations; with m ≤ 1 or fewer than m points it is the naive forecast. */
export function seasonalNaiveForecast(y: ArrayLike<number>, h: number, m: number): Float64Array {
  const n = y.length;
  if (m <= 1 || n < m) return naiveForecast(y, h);
  const out = new Float64Array(h);
  for (let k = 0; k < h; k++) out[k] = y[n - m + (k % m)] as number;
  return out;
}

/**
 * Standard deviation of the k-step error of a (seasonal) random walk: σ·√(⌊(k−1)/lag⌋+1), with σ²
 * the mean squared lag-difference, as `forecast::naive` and `snaive` compute it.
 */
export function randomWalkStdDev(y: ArrayLike<number>, h: number, lag: number): Float64Array {
  let sum = 0;
  let count = 0;
  for (let t = lag; t < y.length; t++) {
    const d = (y[t] as number) - (y[t - lag] as number);
    sum += d * d;
    count++;
  }
  const sigma = Math.sqrt(count > 0 ? sum / count : 0);
  const out = new Float64Array(h);
  for (let k = 0; k < h; k++) out[k] = sigma * Math.sqrt(Math.floor(k / lag) + 1);
  return out;
}

/**
 * Mean of the last `seasons` full seasons at each position of the cycle: a seasonal naive forecast
 * with less noise, for series whose pattern is stable but whose single last season is not typical.
 */
export function seasonalMeanForecast(
  y: ArrayLike<number>,
  h: number,
  m: number,
  seasons: number,
): Float64Array {
  const n = y.length;
  const k = Math.max(1, Math.min(seasons, Math.floor(n / m)));
  const out = new Float64Array(h);
  for (let j = 0; j < h; j++) {
    let sum = 0;
    for (let s = 1; s <= k; s++) sum += y[n - s * m + (j % m)] as number;
    out[j] = sum / k;
  }
  return out;
}
