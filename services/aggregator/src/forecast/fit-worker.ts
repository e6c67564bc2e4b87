/**
 * @module What a forecast worker thread runs: one fit per task, so the service's event loop
 * never waits for a model. Loaded by `pool.ts` in every thread of the pool.
 */
import { type ForecastOutcome, forecast, loadModels, type ModelName } from "@chartly/forecast";

export interface FitTask {
  /** Observed values, oldest first. */
  values: number[];
  /** Their timestamps in epoch milliseconds. */
  timestamps: number[];
  horizon: number;
  model: "auto" | ModelName;
  levels: number[];
}

export interface FitReply {
  outcome: ForecastOutcome;
  fitMs: number;
}

export function fit(task: FitTask): FitReply {
  const started = performance.now();
  const outcome = forecast(task.values, {
    h: task.horizon,
    model: task.model,
    levels: task.levels,
    timestamps: task.timestamps,
  });
  return { outcome, fitMs: Math.round(performance.now() - started) };
}

/**
 * Loads the augurs WebAssembly modules and fits MSTL and AutoETS on a small seasonal series, so a
 * broken install shows in `/ready` rather than on the first forecast. Throws what went wrong.
 */
export function probe(): { models: string[] } {
  loadModels();
  const values = Array.from({ length: 96 }, (_, i) => 10 + Math.sin((2 * Math.PI * i) / 24) + i * 0.01);
  const models = ["mstl", "autoets"] as const;
  for (const model of models) {
    const outcome = forecast(values, { h: 4, m: 24, periods: [24], model, backtest: false });
    if (!outcome.ok) throw new Error(`${model}: ${outcome.error.message}`);
  }
  return { models: [...models] };
}
