import { describe, expect, it } from "vitest";
import { conformalIntervals, forecast, nelderMead, normalQuantile } from "../src/index.js";
import { gaussian } from "./synthetic.js";

describe("normal quantiles", () => {
  it("match the usual table values", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.9)).toBeCloseTo(1.281552, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 5);
  });
});

describe("Nelder–Mead", () => {
  it("finds the minimum of the Rosenbrock valley", () => {
    const result = nelderMead(
      (x) => 100 * ((x[1] as number) - (x[0] as number) ** 2) ** 2 + (1 - (x[0] as number)) ** 2,
      [-1.2, 1],
      {
        maxit: 5000,
        reltol: 1e-12,
      },
    );
    expect(result.x[0]).toBeCloseTo(1, 3);
    expect(result.x[1]).toBeCloseTo(1, 3);
  });

  it("treats an infeasible point as a very bad one instead of failing", () => {
    // The optimum sits on the edge of the feasible region x ≥ 0.
    const bowl = (x: Float64Array) =>
      (x[0] as number) < 0 ? Number.NaN : ((x[0] as number) + 1) ** 2 + ((x[1] as number) - 1) ** 2;
    const result = nelderMead(bowl, [1, 3], { reltol: 1e-12 });
    expect(result.x[0]).toBeCloseTo(0, 3);
    expect(result.x[1]).toBeCloseTo(1, 3);
  });
});

describe("conformal intervals", () => {
  it("take the ⌈(n+1)·level⌉-th smallest absolute error of the pooled steps", () => {
    const errors = [Float64Array.from([1, -2, 3]), Float64Array.from([-4, 5, -6])];
    const [interval] = conformalIntervals([10, 10, 10], errors, [50], 0);
    // Step 0 pools |1| and |−4|: rank ⌈3·0.5⌉ = 2 → 4.
    expect(interval?.upper[0]).toBe(14);
    expect(interval?.lower[0]).toBe(6);
    // Step 2 pools 3 and 6 → 6.
    expect(interval?.upper[2]).toBe(16);
  });

  it("cover about as often as asked on a synthetic series", () => {
    const h = 12;
    const levels = [80, 95];
    const hits = [0, 0];
    let total = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const draw = gaussian(seed);
      // A noisy seasonal series with a slowly wandering level.
      let level = 100;
      const y = Array.from({ length: 240 + h }, (_, t) => {
        level += 0.2 * draw();
        return level + 10 * Math.sin((2 * Math.PI * t) / 12) + 2 * draw();
      });
      const result = forecast(y.slice(0, 240), {
        h,
        m: 12,
        model: "seasonal-mean",
        levels,
        backtest: { windows: 10 },
      });
      if (!result.ok) throw new Error(result.error.message);
      expect(result.intervalMethod).toBe("conformal");
      for (let k = 0; k < h; k++) {
        const actual = y[240 + k] as number;
        result.intervals.forEach((interval, i) => {
          if (actual >= (interval.lower[k] as number) && actual <= (interval.upper[k] as number))
            hits[i] = (hits[i] as number) + 1;
        });
        total++;
      }
    }
    expect((hits[0] as number) / total).toBeGreaterThan(0.7);
    expect((hits[0] as number) / total).toBeLessThan(0.9);
    expect((hits[1] as number) / total).toBeGreaterThan(0.88);
  });
});
