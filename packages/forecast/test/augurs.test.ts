import { describe, expect, it } from "vitest";
import { forecast, loadModels, modelsLoaded, pointMetrics } from "../src/index.js";
import { hourlySeries } from "./synthetic.js";

const HOUR = 3_600_000;

describe("augurs models", () => {
  it("load once, on demand, and report it", () => {
    loadModels();
    loadModels();
    expect(modelsLoaded()).toBe(true);
  });

  it("MSTL forecasts daily and weekly cycles with its own intervals", () => {
    const y = hourlySeries(24 * 7 * 4 + 48, 11);
    const result = forecast(y.slice(0, -48), { h: 48, m: 24, model: "mstl-log" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.intervalMethod).toBe("model");
    expect(result.params).toEqual({ periods: [24, 168], log: true });
    const smape = pointMetrics(y.slice(-48), result.points, 1).smape;
    expect(smape).toBeLessThan(10);
    for (const interval of result.intervals) {
      result.points.forEach((p, k) => {
        expect(interval.lower[k]).toBeLessThanOrEqual(p);
        expect(interval.upper[k]).toBeGreaterThanOrEqual(p);
      });
    }
  });

  it("MSTL drops a period it has too little data for", () => {
    const y = hourlySeries(24 * 10, 2);
    const result = forecast(y, { h: 24, m: 24, model: "mstl" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.params.periods).toEqual([24]);
  });

  it("AutoETS forecasts the seasonally adjusted series and reseasonalises it", () => {
    const y = hourlySeries(24 * 14, 5);
    const result = forecast(y, { h: 24, m: 24, model: "autoets" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.params.seasonal).toBe(true);
    expect(Math.max(...result.points) / Math.min(...result.points)).toBeGreaterThan(1.5);
  });

  it("auto scores its candidates, combines the best three and calibrates intervals", () => {
    const y = hourlySeries(24 * 7 * 4 + 48, 21);
    const timestamps = y.map((_, i) => Date.UTC(2026, 0, 5) + i * HOUR);
    const result = forecast(y.slice(0, -48), { h: 48, timestamps: timestamps.slice(0, -48) });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.model).toBe("auto");
    expect(result.period).toBe(24);
    expect(result.intervalMethod).toBe("conformal");
    const candidates = result.backtest?.candidates ?? [];
    expect(candidates.map((c) => c.model)).toEqual(
      expect.arrayContaining(["snaive[24]", "snaive[168]", "mstl[24,168]", "mstl-log[24,168]"]),
    );
    expect(candidates.filter((c) => c.weight > 0)).toHaveLength(3);
    expect(candidates.reduce((sum, c) => sum + c.weight, 0)).toBeCloseTo(1, 10);
    const smape = pointMetrics(y.slice(-48), result.points, 1).smape;
    expect(smape).toBeLessThan(10);
  });

  it("auto also tries the period the data actually repeats at", () => {
    const y = hourlySeries(23 * 7 * 4, 8, 23);
    const result = forecast(y, { h: 24, m: 24 });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.notes.some((n) => n.includes("lag 23"))).toBe(true);
    expect(result.backtest?.candidates?.[0]?.model).toMatch(/\[23|\[161/);
  });

  it("auto forecasts a constant series as that constant, with zero-width intervals", () => {
    const result = forecast(new Array(24 * 20).fill(250), { h: 24, m: 24 });
    if (!result.ok) throw new Error(result.error.message);
    for (const p of result.points) expect(p).toBeCloseTo(250, 3);
    for (const interval of result.intervals) {
      interval.upper.forEach((u, k) => {
        expect(u - (interval.lower[k] as number)).toBeLessThan(0.01);
      });
    }
  });

  it("the median ensemble runs its members and names them", () => {
    const y = hourlySeries(24 * 7 * 3, 4);
    const result = forecast(y, { h: 24, m: 24, model: "ensemble" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.params.members).toEqual([
      "snaive[24]",
      "seasonal-mean[24]",
      "mstl[24,168]",
      "mstl-log[24,168]",
      "snaive[168]",
    ]);
    expect(result.intervalMethod).toBe("conformal");
  });
});
