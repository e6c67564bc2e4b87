/**
 * @module Model choice by rolling-origin backtest on the series itself.
 *
 * Every candidate is scored on the last few windows of the history; the best three are combined
 * with weights inversely proportional to their mean score, because a combination of the leaders
 * is steadier than the single winner of a handful of windows. Prediction intervals are conformal,
 * from the combination's own backtest errors, where each window's combination is chosen from the
 * *other* windows' scores so the errors are not flattered by the choice.
 */
import {
  averageMetrics,
  backtestCandidates,
  type Candidate,
  type CandidateBacktest,
  windowMetrics,
  windowOrigins,
} from "./backtest.js";
import { inverseScoreWeights, type Weight, weightedCombination } from "./ensemble.js";
import { clipLowerAtZero, conformalIntervals, conformalRadius } from "./intervals.js";
import { type ModelContext, minLength, modelLabel, runModel } from "./models.js";
import { detectPeriod } from "./seasonality.js";
import type { BacktestSummary, CandidateScore, ForecastError, Interval, ModelName } from "./types.js";

export interface AutoSettings {
  h: number;
  m: number;
  periods: number[];
  levels: number[];
  windows: number;
  step: number;
  /** Model names to try; each periodic one also at a detected period when it differs from m. */
  candidates?: ModelName[];
  /** How many of the best candidates to combine (1 = pure selection). Default 3. */
  combine?: number;
}

export type AutoOutcome =
  | {
      ok: true;
      points: Float64Array;
      intervals: Interval[];
      params: Record<string, unknown>;
      backtest: BacktestSummary;
      notes: string[];
    }
  | { ok: false; error: ForecastError };

const SEASONAL_CANDIDATES: ModelName[] = ["snaive", "seasonal-mean", "naive2", "mstl", "mstl-log"];
const PLAIN_CANDIDATES: ModelName[] = ["naive", "ses", "holt", "damped", "theta", "autoets"];
/** Models whose forecast depends on the period, so they are also tried at a detected one. */
const PERIODIC: ReadonlySet<ModelName> = new Set([
  "snaive",
  "seasonal-mean",
  "naive2",
  "mstl",
  "mstl-log",
  "autoets",
]);

/** The named models at period p, plus a seasonal naive at each longer period (the week). */
function candidatesAt(names: ModelName[], p: number, periods: number[]): Candidate[] {
  const ctx: ModelContext = { m: p, periods, levels: [] };
  const out = names.map((model) => ({ label: modelLabel(model, ctx), model, ctx }));
  if (names.includes("snaive")) {
    for (const longer of periods.filter((q) => q > p)) {
      const at = { ...ctx, m: longer };
      out.push({ label: modelLabel("snaive", at), model: "snaive", ctx: at });
    }
  }
  return out;
}

/** The default or requested candidates, at m and, for periodic models, at a detected period. */
export function autoCandidates(
  y: Float64Array,
  settings: Pick<AutoSettings, "m" | "periods" | "candidates">,
): { candidates: Candidate[]; notes: string[] } {
  const { m, periods } = settings;
  const names = settings.candidates ?? (m > 1 ? SEASONAL_CANDIDATES : PLAIN_CANDIDATES);
  const candidates = candidatesAt(names, m, periods);
  const notes: string[] = [];
  const p = m > 1 ? detectPeriod(y, m) : m;
  if (p !== m) {
    // Scale the other periods with it: a 23-step day makes a 161-step week.
    const scaled = periods.map((q) => Math.round((q * p) / m));
    candidates.push(
      ...candidatesAt(
        names.filter((name) => PERIODIC.has(name)),
        p,
        scaled,
      ),
    );
    notes.push(
      `the autocorrelation peaks at lag ${p} rather than ${m}; candidates at period ${p} were tried too`,
    );
  }
  return { candidates, notes };
}

/** Mean score of each candidate over all windows except `skip` (all of them when skip < 0). */
function meanScores(results: CandidateBacktest[], skip: number): Float64Array {
  const out = new Float64Array(results.length);
  results.forEach(({ scores }, i) => {
    let sum = 0;
    let count = 0;
    for (let w = 0; w < scores.length; w++) {
      if (w === skip) continue;
      sum += scores[w] as number;
      count++;
    }
    out[i] = count > 0 ? sum / count : Number.POSITIVE_INFINITY;
  });
  return out;
}

/** Keeps the candidates that can be fitted at the earliest origin, with the periods they can use. */
function eligibleAt(earliest: number, candidates: Candidate[], notes: string[]): Candidate[] {
  const eligible: Candidate[] = [];
  for (const c of candidates) {
    // Only periods estimable at the earliest origin, so the model scored in the backtest is the
    // one that makes the forecast.
    const ctx = { ...c.ctx, periods: c.ctx.periods.filter((p) => earliest >= 2 * p) };
    const needs = minLength(c.model, ctx);
    if (needs <= earliest) eligible.push({ ...c, ctx });
    else
      notes.push(`${c.label} was not tried: it needs ${needs} observations before the first backtest origin`);
  }
  return eligible;
}

export function autoForecast(y: Float64Array, settings: AutoSettings): AutoOutcome {
  const { h, m, levels, step } = settings;
  const { candidates: all, notes } = autoCandidates(y, settings);
  // MSTL without a period (m = 1) cannot run at all; leave such candidates out up front.
  const candidates = all.filter((c) => Number.isFinite(minLength(c.model, c.ctx)));
  if (candidates.length === 0) {
    const message = "none of the candidates can run without a seasonal period greater than 1";
    return { ok: false, error: { code: "invalid_argument", message } };
  }
  const fewest = Math.min(...candidates.map((c) => minLength(c.model, c.ctx)));
  const origins = windowOrigins(y.length, h, settings.windows, step, fewest);
  const earliest = origins[0];
  if (earliest === undefined) {
    const needed = h + fewest;
    const message = `auto needs at least ${needed} observations (h + ${fewest}) to backtest its candidates; got ${y.length}`;
    return { ok: false, error: { code: "too_short", message, minLength: needed, length: y.length } };
  }

  const { results, failed } = backtestCandidates(y, h, origins, eligibleAt(earliest, candidates, notes), m);
  for (const f of failed) notes.push(`${f.label} failed in the backtest and was left out: ${f.message}`);
  if (results.length === 0) {
    const message = `no candidate could be backtested: ${failed.map((f) => `${f.label}: ${f.message}`).join("; ")}`;
    return { ok: false, error: { code: "model_failed", model: "auto", message } };
  }

  const k = Math.min(settings.combine ?? 3, results.length);
  const scores = meanScores(results, -1);
  const chosen = inverseScoreWeights(scores, k);
  const finals = chosen.map(({ index }) => {
    const { candidate } = results[index] as CandidateBacktest;
    return runModel(candidate.model, y, h, candidate.ctx).points;
  });
  const points = weightedCombination(
    finals,
    chosen.map(({ weight }, j) => ({ index: j, weight })),
    h,
  );

  // The combination's errors in each window, choosing it without that window's scores.
  const errors: Float64Array[] = [];
  const perWindow = origins.map((origin, w) => {
    const weights: Weight[] = origins.length > 1 ? inverseScoreWeights(meanScores(results, w), k) : chosen;
    const windowForecasts = results.map((r) => r.forecasts[w] as Float64Array);
    const forecast = weightedCombination(windowForecasts, weights, h);
    errors.push(Float64Array.from(forecast, (f, j) => (y[origin + j] as number) - f));
    return windowMetrics(y, origin, forecast, m);
  });
  const conformal = conformalIntervals(points, errors, levels, conformalRadius(h));
  const intervals = y.every((v) => v >= 0) ? clipLowerAtZero(conformal) : conformal;

  const weightOf = new Map(chosen.map(({ index, weight }) => [index, weight]));
  const ranked: CandidateScore[] = results
    .map((r, i) => ({
      model: r.candidate.label,
      score: scores[i] as number,
      metrics: r.metrics,
      weight: weightOf.get(i) ?? 0,
    }))
    .sort((a, b) => a.score - b.score);
  const members = chosen.map(({ index, weight }) => ({
    model: (results[index] as CandidateBacktest).candidate.label,
    weight,
  }));
  return {
    ok: true,
    points,
    intervals,
    params: { members },
    backtest: {
      windows: origins.length,
      step,
      horizon: h,
      metrics: averageMetrics(perWindow),
      candidates: ranked,
    },
    notes,
  };
}
