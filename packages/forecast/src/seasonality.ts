/**
 * @module The seasonality test of the M4 benchmarks: is the autocorrelation at lag m outside the
 * 90% band (one-sided 1.645) built from Bartlett's formula over the lower lags?
 */

/** Sample autocorrelations r_1..r_maxLag with R's `acf` conventions (mean removed, divided by n). */
export function autocorrelations(y: ArrayLike<number>, maxLag: number): Float64Array {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i] as number;
  mean /= n;
  let denominator = 0;
  for (let i = 0; i < n; i++) denominator += ((y[i] as number) - mean) ** 2;
  const out = new Float64Array(maxLag);
  if (denominator === 0) return out;
  for (let lag = 1; lag <= maxLag && lag < n; lag++) {
    let sum = 0;
    for (let i = 0; i + lag < n; i++) sum += ((y[i] as number) - mean) * ((y[i + lag] as number) - mean);
    out[lag - 1] = sum / denominator;
  }
  return out;
}

/**
 * True when the series is seasonal with period m by the M4 test. Needs three full periods; a
 * constant series has no autocorrelation and is never seasonal.
 */
export function isSeasonal(y: ArrayLike<number>, m: number): boolean {
  if (m <= 1 || y.length < 3 * m) return false;
  const r = autocorrelations(y, m);
  let bartlett = 1;
  for (let k = 0; k < m - 1; k++) bartlett += 2 * (r[k] as number) ** 2;
  const limit = (1.645 / Math.sqrt(y.length)) * Math.sqrt(bartlett);
  return Math.abs(r[m - 1] as number) > limit;
}

/**
 * The lag within ±25% of the nominal period whose autocorrelation is clearly (by 0.02) the
 * highest, or m itself. Some "hourly" series repeat every 23 steps (tides, sidereal cycles,
 * shifting schedules); forecasting them with period 24 drifts a step per day.
 */
export function detectPeriod(y: ArrayLike<number>, m: number): number {
  if (m < 4 || y.length < 3 * m) return m;
  const lowest = Math.max(2, Math.floor(0.75 * m));
  const highest = Math.ceil(1.25 * m);
  const r = autocorrelations(y, highest);
  let best = m;
  for (let lag = lowest; lag <= highest; lag++) {
    if ((r[lag - 1] as number) > (r[best - 1] as number) + 0.02) best = lag;
  }
  return best;
}
