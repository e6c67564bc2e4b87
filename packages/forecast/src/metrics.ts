/**
 * @module Forecast accuracy as the M4 competition scores it: sMAPE, MASE (scaled by the in-sample
 * seasonal naive error), MSIS for intervals, plus MAE, RMSE and coverage. OWA, which compares
 * dataset-wide averages with Naive2's, is in `owa()`.
 */

export interface PointMetrics {
  mae: number;
  rmse: number;
  /** Mean of 200·|y−f|/(|y|+|f|), in percent; a step where both are 0 counts as 0. */
  smape: number;
  /** MAE divided by the in-sample mean absolute seasonal naive error. */
  mase: number;
}

export interface IntervalMetrics {
  level: number;
  /** Mean interval score at this level, scaled like MASE (MSIS when level is 95). */
  msis: number;
  /** Share of actual values inside [lower, upper]. */
  coverage: number;
}

/**
 * Mean absolute error of the seasonal naive forecast inside the training data: the MASE scale.
 * Falls back to lag 1 when the series is shorter than m+1; NaN when there is no error to scale by.
 */
export function maseScale(insample: ArrayLike<number>, m: number): number {
  const lag = m >= 1 && insample.length > m ? m : 1;
  let sum = 0;
  let count = 0;
  for (let t = lag; t < insample.length; t++) {
    const d = (insample[t] as number) - (insample[t - lag] as number);
    if (Number.isNaN(d)) continue;
    sum += Math.abs(d);
    count++;
  }
  return count > 0 ? sum / count : Number.NaN;
}

/** Point accuracy of `forecast` against `actual`, with the MASE scale already computed. */
export function pointMetrics(
  actual: ArrayLike<number>,
  forecast: ArrayLike<number>,
  scale: number,
): PointMetrics {
  const h = Math.min(actual.length, forecast.length);
  let abs = 0;
  let sq = 0;
  let smape = 0;
  for (let k = 0; k < h; k++) {
    const y = actual[k] as number;
    const f = forecast[k] as number;
    const e = Math.abs(y - f);
    abs += e;
    sq += e * e;
    const denominator = Math.abs(y) + Math.abs(f);
    smape += denominator > 0 ? (200 * e) / denominator : 0;
  }
  return { mae: abs / h, rmse: Math.sqrt(sq / h), smape: smape / h, mase: abs / h / scale };
}

/**
 * Scaled interval score at a level: (U−L) + (2/a)(L−y)⁺ + (2/a)(y−U)⁺ averaged over the horizon
 * and divided by the MASE scale, with a = 1 − level/100; at 95 this is M4's MSIS.
 */
export function intervalMetrics(
  actual: ArrayLike<number>,
  lower: ArrayLike<number>,
  upper: ArrayLike<number>,
  level: number,
  scale: number,
): IntervalMetrics {
  const a = 1 - level / 100;
  const h = actual.length;
  let score = 0;
  let inside = 0;
  for (let k = 0; k < h; k++) {
    const y = actual[k] as number;
    const lo = lower[k] as number;
    const hi = upper[k] as number;
    score += hi - lo;
    if (y < lo) score += (2 / a) * (lo - y);
    if (y > hi) score += (2 / a) * (y - hi);
    if (y >= lo && y <= hi) inside++;
  }
  return { level, msis: score / h / scale, coverage: inside / h };
}

/**
 * Overall weighted average: half the relative sMAPE plus half the relative MASE, each the
 * dataset-wide mean of a method divided by the same mean for Naive2 (so Naive2 scores 1).
 */
export function owa(
  method: { smape: number; mase: number },
  naive2: { smape: number; mase: number },
): number {
  return 0.5 * (method.smape / naive2.smape + method.mase / naive2.mase);
}
