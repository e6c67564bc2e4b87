/**
 * @module The eight M4 statistical benchmarks. All but Naive and sNaive forecast the seasonally
 * adjusted series (classical multiplicative decomposition, only when the 90% autocorrelation
 * test at lag m says seasonal) and reseasonalise the result, as the competition's R code does.
 * Only Theta sets negative forecasts to zero, as that code does.
 */
import { reseasonalise, type SeasonalAdjustment, seasonalAdjustment } from "./decompose.js";
import {
  fitSmoothing,
  type SmoothingKind,
  smoothingForecast,
  smoothingStdDev,
} from "./exponential-smoothing.js";
import { gaussianIntervals } from "./intervals.js";
import { naiveForecast, randomWalkStdDev, seasonalNaiveForecast } from "./naive.js";
import { thetaForecast } from "./theta.js";
import type { Interval } from "./types.js";

export const BENCHMARKS = ["naive", "snaive", "naive2", "ses", "holt", "damped", "theta", "comb"] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export interface BenchmarkForecast {
  points: Float64Array;
  /** Gaussian intervals where the model has a variance formula (not Theta, not Comb). */
  intervals?: Interval[];
  params: Record<string, number | boolean>;
}

/** Forecasts in the adjusted space, with an error standard deviation per step when known. */
interface Adjusted {
  points: Float64Array;
  sd?: Float64Array;
  params: Record<string, number | boolean>;
}

function smoothed(y: Float64Array, kind: SmoothingKind, h: number): Adjusted {
  const fit = fitSmoothing(y, kind);
  const params: Record<string, number | boolean> = { alpha: fit.alpha };
  if (kind !== "ses") params.beta = fit.beta;
  if (kind === "damped") params.phi = fit.phi;
  return { points: smoothingForecast(fit, h), sd: smoothingStdDev(fit, h, y.length), params };
}

function adjustedForecast(
  name: Exclude<BenchmarkName, "naive" | "snaive">,
  y: Float64Array,
  h: number,
): Adjusted {
  switch (name) {
    case "naive2":
      return { points: naiveForecast(y, h), sd: randomWalkStdDev(y, h, 1), params: {} };
    case "ses":
    case "holt":
    case "damped":
      return smoothed(y, name, h);
    case "theta": {
      const fit = thetaForecast(y, h);
      return { points: fit.points, params: { alpha: fit.alpha, slope: fit.slope } };
    }
    case "comb": {
      const ses = smoothingForecast(fitSmoothing(y, "ses"), h);
      const holt = smoothingForecast(fitSmoothing(y, "holt"), h);
      const damped = smoothingForecast(fitSmoothing(y, "damped"), h);
      const points = new Float64Array(h);
      for (let k = 0; k < h; k++)
        points[k] = ((ses[k] as number) + (holt[k] as number) + (damped[k] as number)) / 3;
      return { points, params: {} };
    }
  }
}

function reseasonalisedIntervals(
  adjustment: SeasonalAdjustment,
  intervals: Interval[],
  n: number,
): Interval[] {
  return intervals.map(({ level, lower, upper }) => ({
    level,
    lower: Array.from(reseasonalise(adjustment, Float64Array.from(lower), n)),
    upper: Array.from(reseasonalise(adjustment, Float64Array.from(upper), n)),
  }));
}

/**
 * Forecasts h steps with one benchmark; m is the seasonal period (1 for none). Intervals are
 * computed only when levels are given.
 */
export function benchmarkForecast(
  name: BenchmarkName,
  y: Float64Array,
  h: number,
  m: number,
  levels: number[] = [],
): BenchmarkForecast {
  if (name === "naive" || name === "snaive") {
    const lag = name === "snaive" && m > 1 && y.length >= m ? m : 1;
    const points = lag > 1 ? seasonalNaiveForecast(y, h, lag) : naiveForecast(y, h);
    const intervals = levels.length
      ? gaussianIntervals(points, randomWalkStdDev(y, h, lag), levels)
      : undefined;
    return { points, ...(intervals && { intervals }), params: name === "snaive" ? { period: lag } : {} };
  }
  const adjustment = seasonalAdjustment(y, m);
  const n = y.length;
  const fit = adjustedForecast(name, adjustment.adjusted, h);
  const points = reseasonalise(adjustment, fit.points, n);
  if (name === "theta" && y.every((v) => v >= 0))
    for (let k = 0; k < h; k++) points[k] = Math.max(0, points[k] as number);
  const params = { seasonal: adjustment.seasonal, period: adjustment.period, ...fit.params };
  if (!fit.sd || levels.length === 0) return { points, params };
  const intervals = reseasonalisedIntervals(adjustment, gaussianIntervals(fit.points, fit.sd, levels), n);
  return { points, intervals, params };
}
