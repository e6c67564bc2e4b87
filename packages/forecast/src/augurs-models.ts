/**
 * @module AutoETS and MSTL from augurs, with their own prediction intervals.
 *
 * augurs' ETS has no seasonal component (a seasonal spec panics inside the WebAssembly), so
 * AutoETS runs on the series seasonally adjusted the M4 way and is reseasonalised after, and
 * MSTL (STL per period, AutoETS on the remainder and trend) handles seasonality itself. The log
 * variant of MSTL makes seasonal swings proportional to the level, which fits most positive
 * series with daily and weekly cycles better than additive swings; its point forecast is then
 * the median, not the mean.
 */
import { reseasonalise, seasonalAdjustment } from "./decompose.js";
import type { Interval } from "./types.js";
import { ets, mstl } from "./wasm.js";

export interface AugursForecast {
  points: Float64Array;
  intervals?: Interval[];
  params: Record<string, unknown>;
}

interface Predictor {
  predict(
    horizon: number,
    level?: number | null,
  ): { point: number[]; intervals?: { lower: number[]; upper: number[] } };
  free(): void;
}

/**
 * Points, then one predict() call per level; `back` maps model space to data space. Intervals are
 * left out when the model gives none, so the caller falls back to conformal ones.
 */
function predictAll(model: Predictor, h: number, levels: number[], back: (v: number[]) => Float64Array) {
  const points = back(model.predict(h).point);
  const intervals: Interval[] = [];
  for (const level of levels) {
    const bounds = model.predict(h, level / 100).intervals;
    if (!bounds) return { points };
    intervals.push({ level, lower: Array.from(back(bounds.lower)), upper: Array.from(back(bounds.upper)) });
  }
  return { points, intervals };
}

/** Non-seasonal AutoETS (ZZN) on the M4-style seasonally adjusted series. */
export function autoEtsForecast(y: Float64Array, h: number, m: number, levels: number[]): AugursForecast {
  const adjustment = seasonalAdjustment(y, m);
  const model = new ets.AutoETS(1, "ZZN");
  try {
    model.fit(adjustment.adjusted);
    const back = (v: number[]) => reseasonalise(adjustment, Float64Array.from(v), y.length);
    return { ...predictAll(model, h, levels, back), params: { seasonal: adjustment.seasonal, period: m } };
  } finally {
    model.free();
  }
}

/** Periods MSTL can estimate from n points: STL needs at least two full cycles of each. */
export function usablePeriods(periods: number[], n: number): number[] {
  return periods.filter((p) => p > 1 && n >= 2 * p);
}

/** MSTL with AutoETS on the deseasonalised part; `log` works on log values when all are positive. */
export function mstlForecast(
  y: Float64Array,
  h: number,
  periods: number[],
  levels: number[],
  log: boolean,
): AugursForecast {
  const usable = usablePeriods(periods, y.length);
  const logged = log && y.every((v) => v > 0);
  const input = logged ? y.map(Math.log) : y;
  const model = mstl.MSTL.ets(usable);
  try {
    model.fit(input);
    const back = logged
      ? (v: number[]) => Float64Array.from(v, Math.exp)
      : (v: number[]) => Float64Array.from(v);
    return { ...predictAll(model, h, levels, back), params: { periods: usable, log: logged } };
  } finally {
    model.free();
  }
}
