/**
 * @module One named model: fit, forecast, and attach intervals. A rolling-origin backtest runs
 * when the caller asks for accuracy figures, or when the model has no variance formula and its
 * intervals must be conformal, calibrated on the backtest's errors.
 */
import { backtestCandidates, windowOrigins } from "./backtest.js";
import { clipLowerAtZero, conformalIntervals, conformalRadius } from "./intervals.js";
import { type ModelContext, type ModelRun, minLength, runModel } from "./models.js";
import type { BacktestSummary, ForecastError, Interval, ModelName } from "./types.js";

export interface SingleSettings {
  h: number;
  ctx: ModelContext;
  windows: number;
  step: number;
  /** Run the backtest even when the model's own intervals make it unnecessary. */
  backtest: boolean | "when-needed";
}

export type SingleOutcome =
  | {
      ok: true;
      run: ModelRun;
      intervals: Interval[];
      intervalMethod: "model" | "conformal" | "none";
      backtest?: BacktestSummary;
      notes: string[];
    }
  | { ok: false; error: ForecastError };

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function singleForecast(model: ModelName, y: Float64Array, settings: SingleSettings): SingleOutcome {
  const { h, ctx, windows, step } = settings;
  const needed = minLength(model, ctx);
  if (!Number.isFinite(needed)) {
    return {
      ok: false,
      error: { code: "invalid_argument", message: `${model} needs a seasonal period greater than 1` },
    };
  }
  if (y.length < needed) {
    const text = `${model} needs at least ${needed} observation${needed === 1 ? "" : "s"}; got ${y.length}`;
    return { ok: false, error: { code: "too_short", message: text, minLength: needed, length: y.length } };
  }
  let run: ModelRun;
  try {
    run = runModel(model, y, h, ctx);
  } catch (error) {
    return { ok: false, error: { code: "model_failed", model, message: message(error) } };
  }

  const notes: string[] = [];
  const wantsBacktest = settings.backtest === true || (settings.backtest === "when-needed" && !run.intervals);
  if (!wantsBacktest) {
    return {
      ok: true,
      run,
      intervals: run.intervals ?? [],
      intervalMethod: run.intervals ? "model" : "none",
      notes,
    };
  }
  const origins = windowOrigins(y.length, h, windows, step, needed);
  const candidate = { label: model, model, ctx: { ...ctx, levels: [] } };
  const { results, failed } = origins.length
    ? backtestCandidates(y, h, origins, [candidate], ctx.m)
    : { results: [], failed: [] };
  const result = results[0];
  if (!result) {
    notes.push(`no backtest: ${failed[0]?.message ?? `it needs at least ${h + needed} observations`}`);
    if (!run.intervals && ctx.levels.length)
      notes.push("no prediction intervals: too short to calibrate them");
    return {
      ok: true,
      run,
      intervals: run.intervals ?? [],
      intervalMethod: run.intervals ? "model" : "none",
      notes,
    };
  }
  const backtest = { windows: origins.length, step, horizon: h, metrics: result.metrics };
  if (run.intervals)
    return { ok: true, run, intervals: run.intervals, intervalMethod: "model", backtest, notes };
  const errors = origins.map((origin, w) =>
    Float64Array.from(result.forecasts[w] as Float64Array, (f, j) => (y[origin + j] as number) - f),
  );
  const conformal = conformalIntervals(run.points, errors, ctx.levels, conformalRadius(h));
  const intervals = y.every((v) => v >= 0) ? clipLowerAtZero(conformal) : conformal;
  return { ok: true, run, intervals, intervalMethod: "conformal", backtest, notes };
}
