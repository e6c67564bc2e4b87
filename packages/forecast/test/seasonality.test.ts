import { describe, expect, it } from "vitest";
import { detectPeriod, isSeasonal, seasonalAdjustment } from "../src/index.js";
import { gaussian, hourlySeries, seasonalSeries } from "./synthetic.js";

describe("the M4 seasonality test", () => {
  it("finds the period of a noisy seasonal signal", () => {
    const y = seasonalSeries(120, { period: 12, amplitude: 10, noise: 3, seed: 7 });
    expect(isSeasonal(y, 12)).toBe(true);
    const adjustment = seasonalAdjustment(Float64Array.from(y), 12);
    expect(adjustment.seasonal).toBe(true);
    expect(adjustment.type).toBe("multiplicative");
  });

  it("rarely calls white noise seasonal (about the test's 10% at most)", () => {
    let seasonal = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const draw = gaussian(seed);
      const y = Array.from({ length: 96 }, () => 50 + draw());
      if (isSeasonal(y, 12)) seasonal++;
    }
    expect(seasonal).toBeLessThanOrEqual(15);
  });

  it("needs three full periods", () => {
    expect(isSeasonal(seasonalSeries(35, { period: 12 }), 12)).toBe(false);
  });

  it("a constant series is not seasonal and keeps neutral indices", () => {
    const adjustment = seasonalAdjustment(new Float64Array(48).fill(3), 12);
    expect(adjustment.seasonal).toBe(false);
    expect(Array.from(adjustment.adjusted)).toEqual(new Array(48).fill(3));
  });

  it("uses additive indices when the series is not positive", () => {
    const y = Float64Array.from(seasonalSeries(72, { period: 12, level: 0, amplitude: 5 }));
    const adjustment = seasonalAdjustment(y, 12);
    expect(adjustment.type).toBe("additive");
    expect(adjustment.seasonal).toBe(true);
  });
});

describe("period detection", () => {
  it("keeps the nominal period when it fits", () => {
    expect(detectPeriod(hourlySeries(24 * 21, 3), 24)).toBe(24);
  });

  it("finds a 23-step cycle in data said to be hourly", () => {
    expect(detectPeriod(hourlySeries(23 * 30, 3, 23), 24)).toBe(23);
  });
});
