/**
 * @module Simple, Holt and damped exponential smoothing with additive errors, fitted as
 * `forecast::ses` / `forecast::holt` fit them: smoothing parameters and initial states chosen
 * together by Nelder–Mead on the in-sample one-step mean squared error, within the usual bounds
 * (0.0001 ≤ β ≤ α ≤ 0.9999, 0.8 ≤ φ ≤ 0.98).
 */
import { nelderMead } from "./optim.js";

export type SmoothingKind = "ses" | "holt" | "damped";

export interface SmoothingFit {
  kind: SmoothingKind;
  alpha: number;
  /** Trend smoothing in state-space form (b ← φb + βe), so β ≤ α. */
  beta: number;
  phi: number;
  /** Estimated initial states. */
  level0: number;
  trend0: number;
  /** Final states, which the forecasts start from. */
  level: number;
  trend: number;
  /** In-sample one-step mean squared error at the optimum. */
  mse: number;
}

const LOWER = { alpha: 1e-4, beta: 1e-4, phi: 0.8 };
const UPPER = { alpha: 0.9999, beta: 0.9999, phi: 0.98 };

export interface SmoothingOptions {
  /** Fix α instead of estimating it. */
  alpha?: number;
  beta?: number;
  phi?: number;
}

/**
 * One pass of the recursions from the given start; returns the mean squared one-step error and
 * leaves the final states in `out` (level, trend).
 */
function run(
  y: Float64Array,
  alpha: number,
  beta: number,
  phi: number,
  level0: number,
  trend0: number,
  trended: boolean,
  out?: Float64Array,
): number {
  let level = level0;
  let trend = trended ? trend0 : 0;
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const damped = phi * trend;
    const fitted = level + damped;
    const e = (y[t] as number) - fitted;
    sse += e * e;
    level = fitted + alpha * e;
    if (trended) trend = damped + beta * e;
  }
  if (out) {
    out[0] = level;
    out[1] = trend;
  }
  return sse / y.length;
}

/** Fits one of the three smoothers; the initial states come from the first ten points as in `ets`. */
export function fitSmoothing(
  y: Float64Array,
  kind: SmoothingKind,
  options: SmoothingOptions = {},
): SmoothingFit {
  const trended = kind !== "ses";
  const dampedTrend = kind === "damped";
  const n = y.length;
  const first = Math.min(10, n);
  let level0: number;
  let trend0 = 0;
  if (trended) {
    // Least-squares line through the first points, x = 1..first as lsfit does.
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < first; i++) {
      sx += i + 1;
      sy += y[i] as number;
    }
    const mx = sx / first;
    const my = sy / first;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < first; i++) {
      sxy += (i + 1 - mx) * ((y[i] as number) - my);
      sxx += (i + 1 - mx) ** 2;
    }
    trend0 = sxx > 0 ? sxy / sxx : 0;
    level0 = my - trend0 * mx;
    if (Math.abs(level0 + trend0) < 1e-8) {
      level0 *= 1 + 1e-3;
      trend0 *= 1 + 1e-3;
    }
  } else {
    let sum = 0;
    for (let i = 0; i < first; i++) sum += y[i] as number;
    level0 = sum / first;
  }

  // Starting values exactly as forecast's initparam() picks them.
  const alpha0 = options.alpha ?? LOWER.alpha + 0.2 * (UPPER.alpha - LOWER.alpha);
  const betaUpper = Math.min(UPPER.beta, options.alpha ?? alpha0);
  const beta0 = options.beta ?? LOWER.beta + 0.1 * (betaUpper - LOWER.beta);
  const phi0 = options.phi ?? LOWER.phi + 0.99 * (UPPER.phi - LOWER.phi);

  // Parameter vector layout: the free ones of [alpha, beta, phi], then level0, trend0.
  const freeAlpha = options.alpha === undefined;
  const freeBeta = trended && options.beta === undefined;
  const freePhi = dampedTrend && options.phi === undefined;
  const start: number[] = [];
  if (freeAlpha) start.push(alpha0);
  if (freeBeta) start.push(beta0);
  if (freePhi) start.push(phi0);
  start.push(level0);
  if (trended) start.push(trend0);

  const unpack = (p: Float64Array, into: Float64Array) => {
    let k = 0;
    into[0] = freeAlpha ? (p[k++] as number) : alpha0;
    into[1] = trended ? (freeBeta ? (p[k++] as number) : beta0) : 0;
    into[2] = dampedTrend ? (freePhi ? (p[k++] as number) : phi0) : 1;
    into[3] = p[k++] as number;
    into[4] = trended ? (p[k++] as number) : 0;
  };
  const params = new Float64Array(5);
  const objective = (p: Float64Array) => {
    unpack(p, params);
    const alpha = params[0] as number;
    const beta = params[1] as number;
    const phi = params[2] as number;
    if (freeAlpha && (alpha < LOWER.alpha || alpha > UPPER.alpha)) return Number.POSITIVE_INFINITY;
    if (freeBeta && (beta < LOWER.beta || beta > alpha || beta > UPPER.beta)) return Number.POSITIVE_INFINITY;
    if (freePhi && (phi < LOWER.phi || phi > UPPER.phi)) return Number.POSITIVE_INFINITY;
    const mse = run(y, alpha, beta, phi, params[3] as number, params[4] as number, trended);
    return Number.isNaN(mse) ? Number.POSITIVE_INFINITY : mse;
  };

  const best = nelderMead(objective, start, { maxit: 2000 });
  unpack(best.x, params);
  const states = new Float64Array(2);
  const alpha = params[0] as number;
  const beta = params[1] as number;
  const phi = params[2] as number;
  const mse = run(y, alpha, beta, phi, params[3] as number, params[4] as number, trended, states);
  return {
    kind,
    alpha,
    beta,
    phi,
    level0: params[3] as number,
    trend0: params[4] as number,
    level: states[0] as number,
    trend: states[1] as number,
    mse,
  };
}

/** Point forecasts 1..h ahead from a fitted smoother. */
export function smoothingForecast(fit: SmoothingFit, h: number): Float64Array {
  const out = new Float64Array(h);
  let cumulative = 0;
  let power = 1;
  for (let k = 0; k < h; k++) {
    power *= fit.phi;
    cumulative += fit.kind === "damped" ? power : 1;
    out[k] = fit.level + (fit.kind === "ses" ? 0 : cumulative * fit.trend);
  }
  return out;
}

/**
 * Standard deviation of the h-step forecast error under the model's Gaussian state-space form
 * (Hyndman et al. 2008, class 1): σ²(1 + Σ_{j<k} c_j²) with c_j = α, α+βj or α+βφ(1−φ^j)/(1−φ).
 * σ² is the residual variance with the estimated parameters and initial states taken off the
 * degrees of freedom, as `ets` reports it.
 */
export function smoothingStdDev(fit: SmoothingFit, h: number, n: number): Float64Array {
  const parameters = fit.kind === "ses" ? 2 : fit.kind === "holt" ? 4 : 5;
  const sigma2 = (fit.mse * n) / Math.max(1, n - parameters);
  const out = new Float64Array(h);
  let sum = 0;
  let phiPower = 1;
  for (let k = 0; k < h; k++) {
    out[k] = Math.sqrt(sigma2 * (1 + sum));
    // c_j for j = k + 1, added for the next step.
    const j = k + 1;
    phiPower *= fit.phi;
    let c = fit.alpha;
    if (fit.kind === "holt") c += fit.beta * j;
    if (fit.kind === "damped") c += (fit.beta * fit.phi * (1 - phiPower)) / (1 - fit.phi);
    sum += c * c;
  }
  return out;
}
