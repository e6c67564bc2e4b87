import { describe, expect, it } from "vitest";
import { benchmarkForecast, fitSmoothing, smoothingForecast, thetaForecast } from "../src/index.js";
import { seasonalSeries } from "./synthetic.js";

const f64 = (values: number[]) => Float64Array.from(values);
const line = (n: number, a: number, b: number) => f64(Array.from({ length: n }, (_, t) => a + b * t));

describe("naive forecasts", () => {
  it("naive repeats the last value", () => {
    expect(Array.from(benchmarkForecast("naive", f64([3, 1, 4, 1, 5]), 3, 1).points)).toEqual([5, 5, 5]);
  });

  it("seasonal naive repeats the last season", () => {
    const y = f64([1, 2, 3, 4, 10, 20, 30, 40]);
    expect(Array.from(benchmarkForecast("snaive", y, 6, 4).points)).toEqual([10, 20, 30, 40, 10, 20]);
  });

  it("seasonal naive continues a perfect seasonal signal exactly", () => {
    const full = seasonalSeries(120, { period: 12 });
    const points = benchmarkForecast("snaive", f64(full.slice(0, 96)), 24, 12).points;
    points.forEach((p, k) => {
      expect(p).toBeCloseTo(full[96 + k] as number, 10);
    });
  });

  it("naive intervals widen with the square root of the horizon", () => {
    const result = benchmarkForecast("naive", f64([10, 12, 11, 13, 12]), 4, 1, [95]);
    const [interval] = result.intervals ?? [];
    const half = (k: number) => ((interval?.upper[k] as number) - (interval?.lower[k] as number)) / 2;
    expect(half(3) / half(0)).toBeCloseTo(2, 10);
  });
});

describe("exponential smoothing", () => {
  it("SES with α fixed at 0.5 lands on the hand-computed level", () => {
    // With α = 0.5 the squared errors are quadratic in the initial level, minimised at
    // l0 = 14.53125 / 1.328125; the final level is 6.5 + 2.75 + 1.5 + 0.625 + l0/16.
    const fit = fitSmoothing(f64([10, 12, 11, 13]), "ses", { alpha: 0.5 });
    const l0 = 14.53125 / 1.328125;
    expect(fit.alpha).toBe(0.5);
    expect(fit.level0).toBeCloseTo(l0, 3);
    expect(smoothingForecast(fit, 2)[1]).toBeCloseTo(11.375 + l0 / 16, 3);
  });

  it("Holt continues a straight line", () => {
    const points = smoothingForecast(fitSmoothing(line(30, 5, 2), "holt"), 5);
    points.forEach((p, k) => {
      expect(p).toBeCloseTo(5 + 2 * (30 + k), 4);
    });
  });

  it("damped trend flattens: later steps add less than the slope", () => {
    const points = smoothingForecast(fitSmoothing(line(30, 5, 2), "damped"), 20);
    const first = (points[1] as number) - (points[0] as number);
    const last = (points[19] as number) - (points[18] as number);
    expect(last).toBeLessThan(first);
    expect(last).toBeGreaterThan(0);
  });

  it("SES on a constant series forecasts the constant", () => {
    const points = smoothingForecast(fitSmoothing(new Float64Array(20).fill(7), "ses"), 3);
    for (const p of points) expect(p).toBeCloseTo(7, 8);
  });
});

describe("Theta", () => {
  it("on a straight line it is the last value plus half the slope per step", () => {
    // The θ=2 line of a straight line is the line itself; SES on it tracks the last value, and
    // averaging with the regression line gives drift at half the slope.
    const { points, slope } = thetaForecast(line(40, 10, 3), 6);
    expect(slope).toBeCloseTo(3, 10);
    points.forEach((p, k) => {
      expect(p).toBeCloseTo(10 + 3 * 39 + 1.5 * (k + 1), 2);
    });
  });
});

describe("seasonal adjustment in the benchmarks", () => {
  it("Naive2 reseasonalises the last adjusted value for a multiplicative pattern", () => {
    const pattern = [0.8, 1.2, 1.0, 0.9, 1.1, 1.0];
    const y = f64(Array.from({ length: 60 }, (_, t) => 50 * (pattern[t % 6] as number)));
    const result = benchmarkForecast("naive2", y, 6, 6);
    expect(result.params.seasonal).toBe(true);
    result.points.forEach((p, k) => {
      expect(p).toBeCloseTo(50 * (pattern[(60 + k) % 6] as number), 8);
    });
  });

  it("a series that fails the seasonality test is forecast unadjusted", () => {
    const y = f64([5, 6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 5, 7, 6, 5]);
    const result = benchmarkForecast("naive2", y, 3, 4);
    expect(result.params.seasonal).toBe(false);
    expect(Array.from(result.points)).toEqual([5, 5, 5]);
  });
});
