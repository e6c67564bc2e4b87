/**
 * @module Rolling-origin evaluation: fit on the series up to each origin, forecast h steps, and
 * score against what followed. The last window ends at the last observation; earlier ones step
 * back by `step` points.
 */
import { benchmarkForecast } from "./benchmarks.js";
import { maseScale, pointMetrics } from "./metrics.js";
import { type ModelContext, runModel } from "./models.js";
import type { BacktestMetrics, ModelName } from "./types.js";

export interface Candidate {
  /** Model name with its periods, e.g. "snaive[168]". */
  label: string;
  model: ModelName;
  ctx: ModelContext;
}

export interface CandidateBacktest {
  candidate: Candidate;
  /** One forecast per window, in the order of the origins. */
  forecasts: Float64Array[];
  /** Relative error per window: half sMAPE and half MAE, each divided by Naive2's. */
  scores: Float64Array;
  score: number;
  metrics: BacktestMetrics;
}

/** Origins (training lengths) of up to `windows` windows, earliest first, none shorter than minTrain. */
export function windowOrigins(
  n: number,
  h: number,
  windows: number,
  step: number,
  minTrain: number,
): number[] {
  const origins: number[] = [];
  for (let i = windows - 1; i >= 0; i--) {
    const origin = n - h - i * step;
    if (origin >= Math.max(1, minTrain)) origins.push(origin);
  }
  return origins;
}

/** a/b for error ratios, where a perfect reference makes any error look very bad and none neutral. */
function relative(a: number, b: number): number {
  if (b > 1e-12) return a / b;
  return a > 1e-12 ? 1e6 : 1;
}

/** Mean of per-window metrics. */
export function averageMetrics(perWindow: BacktestMetrics[]): BacktestMetrics {
  const sum = { mae: 0, rmse: 0, smape: 0, mase: 0 };
  for (const w of perWindow) {
    sum.mae += w.mae;
    sum.rmse += w.rmse;
    sum.smape += w.smape;
    sum.mase += w.mase;
  }
  const n = Math.max(1, perWindow.length);
  return { mae: sum.mae / n, rmse: sum.rmse / n, smape: sum.smape / n, mase: sum.mase / n };
}

/** Point metrics of one forecast made at `origin`, with the MASE scale of the data before it. */
export function windowMetrics(
  y: Float64Array,
  origin: number,
  forecast: Float64Array,
  m: number,
): BacktestMetrics {
  const actual = y.subarray(origin, origin + forecast.length);
  return pointMetrics(actual, forecast, maseScale(y.subarray(0, origin), m));
}

/**
 * Runs every candidate at every origin. A candidate that throws in any window is left out of
 * the result and reported in `failed`.
 */
export function backtestCandidates(
  y: Float64Array,
  h: number,
  origins: number[],
  candidates: Candidate[],
  m: number,
): { results: CandidateBacktest[]; failed: { label: string; message: string }[] } {
  const reference = origins.map((origin) => {
    const train = y.subarray(0, origin);
    return windowMetrics(y, origin, benchmarkForecast("naive2", train, h, m).points, m);
  });
  const results: CandidateBacktest[] = [];
  const failed: { label: string; message: string }[] = [];
  for (const candidate of candidates) {
    try {
      const forecasts: Float64Array[] = [];
      const scores = new Float64Array(origins.length);
      const perWindow: BacktestMetrics[] = [];
      origins.forEach((origin, w) => {
        const points = runModel(candidate.model, y.subarray(0, origin), h, candidate.ctx).points;
        const metrics = windowMetrics(y, origin, points, m);
        const ref = reference[w] as BacktestMetrics;
        scores[w] = 0.5 * (relative(metrics.smape, ref.smape) + relative(metrics.mae, ref.mae));
        forecasts.push(points);
        perWindow.push(metrics);
      });
      let score = 0;
      for (const s of scores) score += s;
      results.push({
        candidate,
        forecasts,
        scores,
        score: score / origins.length,
        metrics: averageMetrics(perWindow),
      });
    } catch (error) {
      failed.push({
        label: candidate.label,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { results, failed };
}
