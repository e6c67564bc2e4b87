/**
 * @module Forecasting for Chartly: the M4 benchmark methods, AutoETS and MSTL from augurs, a
 * median ensemble and "auto" selection by rolling-origin backtest, with prediction intervals and
 * the M4 accuracy measures. Pure: plain arrays in, plain objects out; the only I/O is reading
 * the WebAssembly files in `loadModels()`.
 */
export { autoCandidates } from "./auto.js";
export { BENCHMARKS, type BenchmarkName, benchmarkForecast } from "./benchmarks.js";
export { seasonalAdjustment, seasonalIndices } from "./decompose.js";
export { fitSmoothing, smoothingForecast } from "./exponential-smoothing.js";
export { forecast } from "./forecast.js";
export { timestampGrid } from "./frequency.js";
export { conformalIntervals, normalQuantile } from "./intervals.js";
export {
  type IntervalMetrics,
  intervalMetrics,
  maseScale,
  owa,
  type PointMetrics,
  pointMetrics,
} from "./metrics.js";
export { fillMissing } from "./missing.js";
export { nelderMead } from "./optim.js";
export { autocorrelations, detectPeriod, isSeasonal } from "./seasonality.js";
export { thetaForecast } from "./theta.js";
export * from "./types.js";
export { loadModels, modelsLoaded } from "./wasm.js";
