import { describe, expect, it } from "vitest";
import { forecast, MODEL_NAMES } from "../src/index.js";
import { seasonalSeries } from "./synthetic.js";

describe("forecast() results", () => {
  it("returns points, intervals at the default levels and what produced them", () => {
    const result = forecast(seasonalSeries(60, { period: 12, noise: 1 }), { h: 6, m: 12, model: "snaive" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.model).toBe("snaive");
    expect(result.points).toHaveLength(6);
    expect(result.intervals.map((i) => i.level)).toEqual([80, 95]);
    expect(result.intervalMethod).toBe("model");
    for (const interval of result.intervals) {
      result.points.forEach((p, k) => {
        expect(interval.lower[k]).toBeLessThanOrEqual(p);
        expect(interval.upper[k]).toBeGreaterThanOrEqual(p);
      });
    }
    const [i80, i95] = result.intervals;
    expect((i95?.upper[0] as number) - (i95?.lower[0] as number)).toBeGreaterThan(
      (i80?.upper[0] as number) - (i80?.lower[0] as number),
    );
  });

  it("models without a variance formula get conformal intervals and backtest figures", () => {
    const result = forecast(seasonalSeries(120, { period: 12, noise: 1 }), { h: 12, m: 12, model: "theta" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.intervalMethod).toBe("conformal");
    expect(result.backtest?.windows).toBe(3);
    expect(result.backtest?.metrics.smape).toBeGreaterThan(0);
  });

  it.each(["naive", "snaive", "naive2", "ses", "holt", "damped", "theta", "comb", "seasonal-mean"] as const)(
    "%s forecasts a constant series as that constant",
    (model) => {
      const result = forecast(new Array(48).fill(42), { h: 5, m: 12, model });
      if (!result.ok) throw new Error(result.error.message);
      for (const p of result.points) expect(p).toBeCloseTo(42, 6);
    },
  );

  it("the benchmark models reproduce M4's seasonal naive and Naive2 on a seasonal series", () => {
    const y = seasonalSeries(96, { period: 24, amplitude: 20 });
    const snaive = forecast(y, { h: 24, m: 24, model: "snaive" });
    if (!snaive.ok) throw new Error(snaive.error.message);
    expect(snaive.points).toEqual(y.slice(72));
  });
});

describe("forecast() failures are values", () => {
  it("a series too short for the model names the minimum length", () => {
    const result = forecast([1, 2], { h: 3, model: "ses" });
    expect(result).toEqual({
      ok: false,
      error: {
        code: "too_short",
        message: "ses needs at least 4 observations; got 2",
        minLength: 4,
        length: 2,
      },
    });
  });

  it("seasonal naive needs a full season", () => {
    const result = forecast([1, 2, 3], { h: 2, m: 12, model: "snaive" });
    expect(result.ok).toBe(false);
    if (!result.ok && result.error.code === "too_short") expect(result.error.minLength).toBe(12);
  });

  it("auto says how much history its backtest needs", () => {
    const result = forecast([5, 6, 7, 8, 9], { h: 10, model: "auto", candidates: ["naive", "ses"] });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("too_short");
      if (result.error.code === "too_short") expect(result.error.minLength).toBe(11);
    }
  });

  it("an empty or all-missing series is too short", () => {
    const result = forecast([null, Number.NaN], { h: 1, model: "naive" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("too_short");
  });

  it.each([
    [{ h: 0 }, "h must be a positive integer"],
    [{ h: 2, m: 1.5 }, "m must be a positive integer"],
    [{ h: 2, levels: [100] }, "levels must be percentages between 0 and 100"],
  ])("refuses %o", (options, message) => {
    expect(forecast([1, 2, 3], { model: "naive", ...options })).toEqual({
      ok: false,
      error: { code: "invalid_argument", message },
    });
  });

  it("refuses an unknown model and lists the known ones", () => {
    const result = forecast([1, 2, 3], { h: 1, model: "prophet" as "naive" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain(MODEL_NAMES.join(", "));
  });

  it("auto with only period-bound candidates and no period is an invalid request", () => {
    const result = forecast(new Array(100).fill(1), { h: 5, candidates: ["mstl", "mstl-log"] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("invalid_argument");
  });

  it("MSTL without a seasonal period is an invalid request", () => {
    const result = forecast([1, 2, 3, 4, 5, 6, 7, 8], { h: 2, model: "mstl" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("invalid_argument");
  });
});
