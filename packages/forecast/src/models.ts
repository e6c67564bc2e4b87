/**
 * @module Every named model behind one signature, with the minimum history each needs. Models
 * that are not M4 benchmarks clip forecasts and lower bounds at zero when the history has no
 * negative value, since such series (counts, loads, prices) cannot go below it.
 */
import { autoEtsForecast, mstlForecast } from "./augurs-models.js";
import { BENCHMARKS, type BenchmarkName, benchmarkForecast } from "./benchmarks.js";
import { ensembleMembers, medianCombination } from "./ensemble.js";
import { seasonalMeanForecast } from "./naive.js";
import { type Interval, type ModelName, WASM_MODELS } from "./types.js";

/** What a model is run with: the seasonal period, MSTL's periods and the interval levels wanted. */
export interface ModelContext {
  m: number;
  periods: number[];
  /** Levels for the model's own intervals; empty inside backtests, where only points matter. */
  levels: number[];
}

export interface ModelRun {
  points: Float64Array;
  /** The model's own intervals; absent when it has no variance formula. */
  intervals?: Interval[];
  params: Record<string, unknown>;
}

/** How many full seasons the seasonal mean averages. */
const SEASONAL_MEAN_SEASONS = 7;

const isBenchmark = (name: ModelName): name is BenchmarkName =>
  (BENCHMARKS as readonly string[]).includes(name);

/** Whether the model (or, for "ensemble", one of its members) runs on augurs. */
export const needsWasm = (name: ModelName): boolean =>
  name === "ensemble" || (WASM_MODELS as readonly string[]).includes(name);

/** A model with the period it runs at, e.g. "snaive[168]" or "mstl[24,168]". */
export function modelLabel(model: ModelName, ctx: ModelContext): string {
  if (model.startsWith("mstl")) return `${model}[${ctx.periods.join(",")}]`;
  return ctx.m > 1 ? `${model}[${ctx.m}]` : model;
}

/** Fewest observations the model can be fitted to (Infinity when it cannot run at all). */
export function minLength(name: ModelName, ctx: ModelContext): number {
  const seasonal = ctx.m > 1;
  switch (name) {
    case "naive":
    case "naive2":
      return 1;
    case "snaive":
    case "seasonal-mean":
      return seasonal ? ctx.m : 1;
    case "ses":
    case "theta":
      return 4;
    case "holt":
      return 5;
    case "damped":
    case "comb":
      return 6;
    case "autoets":
      // augurs refuses fewer than seven points.
      return 7;
    case "mstl":
    case "mstl-log": {
      const shortest = Math.min(...ctx.periods.filter((p) => p > 1));
      return Number.isFinite(shortest) ? 2 * shortest : Number.POSITIVE_INFINITY;
    }
    case "ensemble":
      return ctx.m > 1 ? minLength("mstl", ctx) : minLength("autoets", ctx);
  }
}

function clipAtZero(run: ModelRun): ModelRun {
  const points = run.points.map((v) => Math.max(0, v));
  const intervals = run.intervals?.map(({ level, lower, upper }) => ({
    level,
    lower: lower.map((v) => Math.max(0, v)),
    upper: upper.map((v) => Math.max(0, v)),
  }));
  return { ...run, points, ...(intervals && { intervals }) };
}

function runUnclipped(name: ModelName, y: Float64Array, h: number, ctx: ModelContext): ModelRun {
  if (isBenchmark(name)) return benchmarkForecast(name, y, h, ctx.m, ctx.levels);
  switch (name) {
    case "seasonal-mean": {
      const seasons = Math.min(SEASONAL_MEAN_SEASONS, Math.floor(y.length / Math.max(ctx.m, 1)));
      return {
        points: seasonalMeanForecast(y, h, Math.max(ctx.m, 1), seasons),
        params: { period: ctx.m, seasons },
      };
    }
    case "autoets":
      return autoEtsForecast(y, h, ctx.m, ctx.levels);
    case "mstl":
    case "mstl-log":
      return mstlForecast(y, h, ctx.periods, ctx.levels, name === "mstl-log");
    case "ensemble": {
      const members = ensembleMembers(y, ctx);
      const forecasts = members.map((member) => runModel(member.model, y, h, member.ctx).points);
      const names = members.map((member) => modelLabel(member.model, member.ctx));
      return { points: medianCombination(forecasts, h), params: { members: names } };
    }
  }
}

/**
 * Runs a model on a clean series (no missing values, at least `minLength` points). augurs
 * models may throw; callers at the edge turn that into a `model_failed` value.
 */
export function runModel(name: ModelName, y: Float64Array, h: number, ctx: ModelContext): ModelRun {
  const run = runUnclipped(name, y, h, ctx);
  if (isBenchmark(name)) return run;
  return y.every((v) => v >= 0) ? clipAtZero(run) : run;
}
