/**
 * @module `forecast()`: the one entry point. Checks the request, cleans the series, runs the
 * chosen model (or "auto"), and attaches intervals and backtest figures. Expected failures come
 * back as `{ ok: false, error }`, never as exceptions.
 *
 * @example
 * const result = forecast(values, { h: 48, timestamps });
 * if (result.ok) console.log(result.model, result.points, result.intervals);
 */
import { autoForecast } from "./auto.js";
import type { Grid } from "./frequency.js";
import { needsWasm } from "./models.js";
import { prepareSeries } from "./prepare.js";
import { singleForecast } from "./single.js";
import {
  type ForecastError,
  type ForecastOptions,
  type ForecastOutcome,
  MODEL_NAMES,
  type ModelName,
} from "./types.js";
import { ensureModels } from "./wasm.js";

const DEFAULT_LEVELS = [80, 95];
const DEFAULT_WINDOWS = 3;

const fail = (error: ForecastError): ForecastOutcome => ({ ok: false, error });
const invalid = (message: string) => fail({ code: "invalid_argument", message });
const isCount = (v: number) => Number.isInteger(v) && v >= 1;

function checkOptions(options: ForecastOptions): string | undefined {
  if (!isCount(options.h)) return "h must be a positive integer";
  if (options.m !== undefined && !isCount(options.m)) return "m must be a positive integer";
  if (options.periods?.some((p) => !isCount(p))) return "periods must be positive integers";
  if (options.levels?.some((l) => !(l > 0 && l < 100))) return "levels must be percentages between 0 and 100";
  const names = [
    ...(options.candidates ?? []),
    ...(options.model && options.model !== "auto" ? [options.model] : []),
  ];
  const unknown = names.find((name) => !(MODEL_NAMES as readonly string[]).includes(name));
  if (unknown) return `unknown model "${unknown}"; expected "auto" or one of ${MODEL_NAMES.join(", ")}`;
  if (options.combine !== undefined && !isCount(options.combine)) return "combine must be a positive integer";
  const { backtest } = options;
  if (backtest && backtest.windows !== undefined && !isCount(backtest.windows))
    return "backtest.windows must be a positive integer";
  if (backtest && backtest.step !== undefined && !isCount(backtest.step))
    return "backtest.step must be a positive integer";
  return undefined;
}

/**
 * MSTL's periods: those of the inferred frequency when it agrees with m; for m = 24 without
 * timestamps, hourly data is the likely case, so the week (168) too; otherwise m alone.
 */
function defaultPeriods(m: number, grid: Grid | undefined): number[] {
  if (grid && grid.m === m) return grid.periods;
  if (m === 24) return [24, 168];
  return m > 1 ? [m] : [];
}

/** Forecasts `h` steps ahead of `values`; see `ForecastOptions` for the choices. */
export function forecast(
  values: ArrayLike<number | null | undefined>,
  options: ForecastOptions,
): ForecastOutcome {
  const problem = checkOptions(options);
  if (problem) return invalid(problem);
  const model = options.model ?? "auto";
  const wanted: ModelName[] = model === "auto" ? (options.candidates ?? []) : [model];
  if ((model === "auto" && !options.candidates) || wanted.some(needsWasm)) {
    const unavailable = ensureModels();
    if (unavailable) return fail({ code: "models_not_loaded", message: unavailable });
  }

  const prepared = prepareSeries(values, options.timestamps, options.m);
  if (!prepared.ok) return invalid(prepared.message);
  const { y, grid, notes } = prepared.prepared;
  const m = options.m ?? grid?.m ?? 1;
  const periods = options.periods ?? defaultPeriods(m, grid);
  const levels = options.levels ?? DEFAULT_LEVELS;
  const h = options.h;
  const windows = options.backtest ? (options.backtest.windows ?? DEFAULT_WINDOWS) : DEFAULT_WINDOWS;
  const step = options.backtest ? (options.backtest.step ?? h) : h;
  const base = { period: m, ...(grid?.frequency && { frequency: grid.frequency }) };
  if (!options.m && grid?.frequency) notes.push(`inferred ${grid.frequency} data with seasonal period ${m}`);

  if (model === "auto") {
    const auto = autoForecast(y, {
      h,
      m,
      periods,
      levels,
      windows,
      step,
      ...(options.candidates && { candidates: options.candidates }),
      ...(options.combine && { combine: options.combine }),
    });
    if (!auto.ok) return fail(auto.error);
    return {
      ok: true,
      model: "auto",
      params: auto.params,
      points: Array.from(auto.points),
      intervals: auto.intervals,
      intervalMethod: "conformal",
      backtest: auto.backtest,
      ...base,
      notes: [...notes, ...auto.notes],
    };
  }

  const single = singleForecast(model, y, {
    h,
    ctx: { m, periods, levels },
    windows,
    step,
    backtest: options.backtest === false ? false : options.backtest ? true : "when-needed",
  });
  if (!single.ok) return fail(single.error);
  return {
    ok: true,
    model,
    params: single.run.params,
    points: Array.from(single.run.points),
    intervals: single.intervals,
    intervalMethod: single.intervalMethod,
    ...(single.backtest && { backtest: single.backtest }),
    ...base,
    notes: [...notes, ...single.notes],
  };
}
