/**
 * @module Scoring one method on one series: forecast h steps from the training values with the
 * library and measure against the test values, M4's way.
 */
import {
  benchmarkForecast,
  forecast,
  intervalMetrics,
  type ModelName,
  maseScale,
  pointMetrics,
} from "@chartly/forecast";

export interface SeriesScore {
  smape: number;
  mase: number;
  msis: number;
  coverage: number;
  ms: number;
  failed?: string;
}

/** Runs `method` ("auto" or a model name) and scores its points and 95% interval. */
export function scoreSeries(
  method: string,
  train: number[],
  test: number[],
  h: number,
  m: number,
): SeriesScore {
  const started = performance.now();
  const outcome = forecast(train, { h, m, model: method as "auto" | ModelName, levels: [95] });
  const ms = performance.now() - started;
  const scale = maseScale(train, m);
  let points: ArrayLike<number>;
  let lower: ArrayLike<number> | undefined;
  let upper: ArrayLike<number> | undefined;
  let failed: string | undefined;
  if (outcome.ok) {
    points = outcome.points;
    lower = outcome.intervals[0]?.lower;
    upper = outcome.intervals[0]?.upper;
  } else {
    // Scored as Naive2 so one failure does not void the table; the count is reported.
    failed = outcome.error.message;
    points = benchmarkForecast("naive2", Float64Array.from(train), h, m).points;
  }
  const actual = test.slice(0, h);
  const point = pointMetrics(actual, points, scale);
  const interval = lower && upper ? intervalMetrics(actual, lower, upper, 95, scale) : undefined;
  return {
    smape: point.smape,
    mase: point.mase,
    msis: interval?.msis ?? Number.NaN,
    coverage: interval?.coverage ?? Number.NaN,
    ms,
    ...(failed && { failed }),
  };
}
