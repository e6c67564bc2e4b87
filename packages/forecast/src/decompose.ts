/**
 * @module Classical decomposition as R's `decompose()` does it, used by the M4 benchmarks to
 * seasonally adjust a series before forecasting it and to reseasonalise the forecast after.
 */
import { isSeasonal } from "./seasonality.js";

export interface SeasonalAdjustment {
  /** Whether the seasonality test passed; when false the indices are neutral. */
  seasonal: boolean;
  /** Multiplicative indices need positive data; additive is the fallback otherwise. */
  type: "multiplicative" | "additive";
  period: number;
  /** Seasonal index for each position in the cycle; position t of the series uses t mod period. */
  indices: Float64Array;
  adjusted: Float64Array;
}

/**
 * Seasonal indices by centred moving average (weights ½,1,…,1,½ for an even period), the mean
 * ratio (or difference) to it per cycle position, normalised to mean 1 (or 0).
 */
export function seasonalIndices(
  y: ArrayLike<number>,
  period: number,
  type: "multiplicative" | "additive",
): Float64Array {
  const n = y.length;
  const even = period % 2 === 0;
  const half = Math.floor(period / 2);
  const sums = new Float64Array(period);
  const counts = new Float64Array(period);
  for (let t = half; t < n - half; t++) {
    let trend = 0;
    if (even) {
      trend = 0.5 * ((y[t - half] as number) + (y[t + half] as number));
      for (let k = -half + 1; k < half; k++) trend += y[t + k] as number;
    } else {
      for (let k = -half; k <= half; k++) trend += y[t + k] as number;
    }
    trend /= period;
    const value = y[t] as number;
    const ratio = type === "multiplicative" ? value / trend : value - trend;
    if (!Number.isFinite(ratio)) continue;
    const position = t % period;
    sums[position] = (sums[position] as number) + ratio;
    counts[position] = (counts[position] as number) + 1;
  }
  const indices = new Float64Array(period);
  let mean = 0;
  for (let i = 0; i < period; i++) {
    indices[i] = (counts[i] as number) > 0 ? (sums[i] as number) / (counts[i] as number) : Number.NaN;
    mean += indices[i] as number;
  }
  mean /= period;
  for (let i = 0; i < period; i++) {
    indices[i] = type === "multiplicative" ? (indices[i] as number) / mean : (indices[i] as number) - mean;
  }
  return indices;
}

/**
 * Seasonally adjusts when the M4 test says the series is seasonal with this period, else returns
 * the series unchanged with neutral indices.
 */
export function seasonalAdjustment(y: Float64Array, period: number): SeasonalAdjustment {
  let positive = true;
  for (let i = 0; i < y.length; i++) if ((y[i] as number) <= 0) positive = false;
  const type = positive ? "multiplicative" : "additive";
  const neutral = type === "multiplicative" ? 1 : 0;
  const seasonal = period > 1 && y.length >= 2 * period && isSeasonal(y, period);
  const indices = seasonal ? seasonalIndices(y, period, type) : new Float64Array(Math.max(period, 1));
  if (!seasonal) indices.fill(neutral);
  let usable = true;
  for (let i = 0; i < indices.length; i++) if (!Number.isFinite(indices[i] as number)) usable = false;
  if (!usable) indices.fill(neutral);
  const adjusted = new Float64Array(y.length);
  for (let t = 0; t < y.length; t++) {
    const s = indices[t % indices.length] as number;
    adjusted[t] = type === "multiplicative" ? (y[t] as number) / s : (y[t] as number) - s;
  }
  return { seasonal: seasonal && usable, type, period, indices, adjusted };
}

/** Puts the seasonality back into forecasts that start right after `n` observed points. */
export function reseasonalise(adjustment: SeasonalAdjustment, points: Float64Array, n: number): Float64Array {
  const out = new Float64Array(points.length);
  const { indices, type } = adjustment;
  for (let k = 0; k < points.length; k++) {
    const s = indices[(n + k) % indices.length] as number;
    out[k] = type === "multiplicative" ? (points[k] as number) * s : (points[k] as number) + s;
  }
  return out;
}
