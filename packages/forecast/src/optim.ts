/**
 * @module Nelder–Mead minimisation, step for step the one R's `optim()` runs (`nmmin`).
 *
 * The M4 benchmarks were fitted by `forecast::ets`, which calls exactly this routine; using the
 * same simplex construction, moves and stopping rule is what lets SES/Holt/Damped land on the
 * same parameters as the published figures, including the quirks (a first step of a tenth of
 * the largest parameter, infeasible points scored as a huge finite value).
 */

/** What R's optimiser substitutes for a non-finite objective value. */
const BIG = 1.0e35;

export interface NelderMeadOptions {
  /** Relative convergence tolerance; R's default is sqrt(machine epsilon). */
  reltol?: number;
  /** Maximum number of function evaluations (R's `maxit`); `forecast::ets` uses 2000. */
  maxit?: number;
}

export interface NelderMeadResult {
  x: Float64Array;
  value: number;
  evaluations: number;
  converged: boolean;
}

/**
 * Minimises `fn` from `start`. `fn` receives a scratch vector it must not keep; returning a
 * non-finite value marks the point infeasible.
 */
export function nelderMead(
  fn: (x: Float64Array) => number,
  start: ArrayLike<number>,
  options: NelderMeadOptions = {},
): NelderMeadResult {
  const reltol = options.reltol ?? Math.sqrt(Number.EPSILON);
  const maxit = options.maxit ?? 500;
  const alpha = 1;
  const beta = 0.5;
  const gamma = 2;
  const n = start.length;
  const n1 = n + 1;
  // Vertex j is simplex[j*n .. j*n+n); values[j] its objective. One extra row holds the centroid.
  const simplex = new Float64Array((n1 + 1) * n);
  const values = new Float64Array(n1 + 1);
  const point = Float64Array.from(start);
  const centroid = n1; // row index of the centroid slot
  const get = (j: number, i: number) => simplex[j * n + i] as number;
  const set = (j: number, i: number, v: number) => {
    simplex[j * n + i] = v;
  };
  const evaluate = (x: Float64Array) => {
    const f = fn(x);
    return Number.isFinite(f) ? f : BIG;
  };

  const f = fn(point);
  if (!Number.isFinite(f)) return { x: point, value: f, evaluations: 1, converged: false };
  let evaluations = 1;
  const convtol = reltol * (Math.abs(f) + reltol);
  values[0] = f;
  for (let i = 0; i < n; i++) set(0, i, point[i] as number);

  let step = 0;
  for (let i = 0; i < n; i++) step = Math.max(step, 0.1 * Math.abs(point[i] as number));
  if (step === 0) step = 0.1;
  let size = 0;
  for (let j = 1; j < n1; j++) {
    for (let i = 0; i < n; i++) set(j, i, point[i] as number);
    let trystep = step;
    while (get(j, j - 1) === point[j - 1]) {
      set(j, j - 1, (point[j - 1] as number) + trystep);
      trystep *= 10;
    }
    size += trystep;
  }
  let oldsize = size;
  let low = 0;
  let recompute = true;
  let converged = false;

  do {
    if (recompute) {
      for (let j = 0; j < n1; j++) {
        if (j === low) continue;
        for (let i = 0; i < n; i++) point[i] = get(j, i);
        values[j] = evaluate(point);
        evaluations++;
      }
      recompute = false;
    }
    let vl = values[low] as number;
    let vh = vl;
    let high = low;
    for (let j = 0; j < n1; j++) {
      if (j === low) continue;
      const v = values[j] as number;
      if (v < vl) {
        low = j;
        vl = v;
      }
      if (v > vh) {
        high = j;
        vh = v;
      }
    }
    if (vh <= vl + convtol) {
      converged = true;
      break;
    }

    for (let i = 0; i < n; i++) {
      let sum = -get(high, i);
      for (let j = 0; j < n1; j++) sum += get(j, i);
      set(centroid, i, sum / n);
    }
    for (let i = 0; i < n; i++) point[i] = (1 + alpha) * get(centroid, i) - alpha * get(high, i);
    const vr = evaluate(point);
    evaluations++;
    if (vr < vl) {
      values[centroid] = vr;
      for (let i = 0; i < n; i++) {
        const expanded = gamma * (point[i] as number) + (1 - gamma) * get(centroid, i);
        set(centroid, i, point[i] as number);
        point[i] = expanded;
      }
      const ve = evaluate(point);
      evaluations++;
      if (ve < vr) {
        for (let i = 0; i < n; i++) set(high, i, point[i] as number);
        values[high] = ve;
      } else {
        for (let i = 0; i < n; i++) set(high, i, get(centroid, i));
        values[high] = vr;
      }
    } else {
      if (vr < vh) {
        for (let i = 0; i < n; i++) set(high, i, point[i] as number);
        values[high] = vr;
      }
      for (let i = 0; i < n; i++) point[i] = (1 - beta) * get(high, i) + beta * get(centroid, i);
      const vc = evaluate(point);
      evaluations++;
      if (vc < (values[high] as number)) {
        for (let i = 0; i < n; i++) set(high, i, point[i] as number);
        values[high] = vc;
      } else if (vr >= vh) {
        // Shrink towards the best vertex; give up when the simplex stops getting smaller.
        recompute = true;
        size = 0;
        for (let j = 0; j < n1; j++) {
          if (j === low) continue;
          for (let i = 0; i < n; i++) {
            const v = beta * (get(j, i) - get(low, i)) + get(low, i);
            set(j, i, v);
            size += Math.abs(v - get(low, i));
          }
        }
        if (size < oldsize) oldsize = size;
        else break;
      }
    }
  } while (evaluations <= maxit);

  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = get(low, i);
  return { x, value: values[low] as number, evaluations, converged };
}
