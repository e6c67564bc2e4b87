/**
 * @module Combining forecasts: the fixed median ensemble, and the backtest-weighted combination
 * "auto" makes of its best candidates. A median resists the one member that goes wrong on a
 * given series; weights need a backtest to be earned.
 */
import type { ModelContext } from "./models.js";
import { detectPeriod } from "./seasonality.js";
import type { ModelName } from "./types.js";

export interface Member {
  model: ModelName;
  ctx: ModelContext;
}

const PLAIN_MEMBERS: ModelName[] = ["naive", "ses", "damped", "theta", "autoets"];

/**
 * The members of "ensemble". With a period: seasonal naive, seasonal mean, MSTL and log MSTL at
 * the period the autocorrelation points to (see `detectPeriod`), plus a seasonal naive at the
 * longest period (the week, for hourly data). Without one: level and trend models.
 */
export function ensembleMembers(y: Float64Array, ctx: ModelContext): Member[] {
  const inner = { ...ctx, levels: [] };
  if (ctx.m <= 1) return PLAIN_MEMBERS.map((model) => ({ model, ctx: inner }));
  const p = detectPeriod(y, ctx.m);
  const periods = ctx.periods.map((q) => Math.round((q * p) / ctx.m));
  const at = { ...inner, m: p, periods };
  const members: Member[] = [
    { model: "snaive", ctx: at },
    { model: "seasonal-mean", ctx: at },
    { model: "mstl", ctx: at },
    { model: "mstl-log", ctx: at },
  ];
  const longest = Math.max(...periods);
  if (longest > p && y.length >= longest) members.push({ model: "snaive", ctx: { ...at, m: longest } });
  return members;
}

/** Median across forecasts at each step. */
export function medianCombination(forecasts: Float64Array[], h: number): Float64Array {
  const out = new Float64Array(h);
  const column = new Float64Array(forecasts.length);
  const mid = column.length >> 1;
  for (let k = 0; k < h; k++) {
    for (let i = 0; i < forecasts.length; i++) column[i] = (forecasts[i] as Float64Array)[k] as number;
    column.sort();
    out[k] =
      column.length % 2
        ? (column[mid] as number)
        : ((column[mid - 1] as number) + (column[mid] as number)) / 2;
  }
  return out;
}

export interface Weight {
  index: number;
  weight: number;
}

/**
 * Weights for the `k` lowest scores, inversely proportional to the score (a perfect score takes
 * nearly all the weight). Ties keep their original order.
 */
export function inverseScoreWeights(scores: ArrayLike<number>, k: number): Weight[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  const chosen = order.slice(0, Math.max(1, k));
  const inverse = chosen.map((i) => 1 / Math.max(scores[i] as number, 1e-12));
  const total = inverse.reduce((a, b) => a + b, 0);
  return chosen.map((index, j) => ({ index, weight: (inverse[j] as number) / total }));
}

/** Σ weight · forecast[index] at each step. */
export function weightedCombination(forecasts: Float64Array[], weights: Weight[], h: number): Float64Array {
  const out = new Float64Array(h);
  for (const { index, weight } of weights) {
    const f = forecasts[index] as Float64Array;
    for (let k = 0; k < h; k++) out[k] = (out[k] as number) + weight * (f[k] as number);
  }
  return out;
}
