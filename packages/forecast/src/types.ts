/** @module The shapes `forecast()` takes and returns. */
import type { BenchmarkName } from "./benchmarks.js";

/** Models backed by the augurs WebAssembly build; they need `loadModels()` first. */
export const WASM_MODELS = ["autoets", "mstl", "mstl-log"] as const;
/** Models implemented here in TypeScript. */
export const LOCAL_MODELS = [
  "naive",
  "snaive",
  "naive2",
  "ses",
  "holt",
  "damped",
  "theta",
  "comb",
  "seasonal-mean",
] as const;
export const MODEL_NAMES = [...LOCAL_MODELS, ...WASM_MODELS, "ensemble"] as const;

export type ModelName = (typeof MODEL_NAMES)[number];
export type { BenchmarkName };

/** A timestamp as epoch milliseconds, an ISO 8601 string or a Date. */
export type Timestamp = number | string | Date;

export type Frequency =
  | "minutely"
  | "sub-hourly"
  | "hourly"
  | "daily"
  | "weekly"
  | "monthly"
  | "quarterly"
  | "yearly";

export interface BacktestOptions {
  /** Number of rolling origins; fewer are used when the series is short. Default 3. */
  windows?: number;
  /** Points between consecutive origins. Default h. */
  step?: number;
}

export interface ForecastOptions {
  /** Forecast horizon in steps. */
  h: number;
  /**
   * Seasonal period (1 for none). Inferred from `timestamps` when absent, else 1. It is also
   * the MASE scale's lag in the reported backtest metrics.
   */
  m?: number;
  /** Periods for MSTL. Default: m, plus the weekly cycle for sub-daily data (24 and 168 hourly). */
  periods?: number[];
  /** A model name, or "auto" (the default) to choose by rolling-origin backtest. */
  model?: "auto" | ModelName;
  /** Prediction interval levels in percent. Default [80, 95]. */
  levels?: number[];
  /** One per value; used to infer the frequency and to find gaps. */
  timestamps?: ArrayLike<Timestamp>;
  /**
   * Rolling-origin backtest. Given: it runs, and the result carries its accuracy figures. Absent:
   * it runs only where it is needed ("auto", and conformal intervals for models without a
   * variance formula). false: never for a single model (so no intervals for those models).
   */
  backtest?: BacktestOptions | false;
  /** Models "auto" may choose from. Default: a set that suits the period and length. */
  candidates?: ModelName[];
  /** How many of the best candidates "auto" combines; 1 picks the single best. Default 3. */
  combine?: number;
}

export interface Interval {
  /** Level in percent, e.g. 95. */
  level: number;
  lower: number[];
  upper: number[];
}

/** Accuracy averaged over the backtest windows; MASE uses the seasonal naive scale with period m. */
export interface BacktestMetrics {
  mae: number;
  rmse: number;
  smape: number;
  mase: number;
}

export interface CandidateScore {
  model: string;
  /** Mean relative error over the windows (half sMAPE and half MASE, each relative to Naive2). */
  score: number;
  metrics: BacktestMetrics;
  /** Share in the combination; 0 when not chosen. */
  weight: number;
}

export interface BacktestSummary {
  windows: number;
  step: number;
  horizon: number;
  metrics: BacktestMetrics;
  /** Present for "auto": every candidate's score, best first. */
  candidates?: CandidateScore[];
}

export interface ForecastResult {
  ok: true;
  /** The model that produced the points; for "auto" the name of the combination. */
  model: string;
  params: Record<string, unknown>;
  points: number[];
  intervals: Interval[];
  /** Where the intervals came from. */
  intervalMethod: "model" | "conformal" | "none";
  backtest?: BacktestSummary;
  /** Seasonal period used, and the frequency when it was inferred. */
  period: number;
  frequency?: Frequency;
  /** What was done to the data or the request, in plain words. */
  notes: string[];
}

export type ForecastError =
  | { code: "too_short"; message: string; minLength: number; length: number }
  | { code: "invalid_argument"; message: string }
  | { code: "models_not_loaded"; message: string }
  | { code: "model_failed"; message: string; model: string };

export interface ForecastFailure {
  ok: false;
  error: ForecastError;
}

export type ForecastOutcome = ForecastResult | ForecastFailure;
