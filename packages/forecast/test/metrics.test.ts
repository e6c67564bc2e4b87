import { describe, expect, it } from "vitest";
import { intervalMetrics, maseScale, owa, pointMetrics } from "../src/index.js";

describe("accuracy measures", () => {
  it("MAE, RMSE and sMAPE match a hand computation", () => {
    const m = pointMetrics([100, 200], [110, 180], 1);
    expect(m.mae).toBe(15);
    expect(m.rmse).toBeCloseTo(Math.sqrt(250), 12);
    // 200·10/210 and 200·20/380, averaged.
    expect(m.smape).toBeCloseTo((2000 / 210 + 4000 / 380) / 2, 12);
  });

  it("MASE divides by the in-sample seasonal naive error at lag m", () => {
    expect(maseScale([1, 2, 4, 8], 1)).toBeCloseTo(7 / 3, 12);
    // Lag 2: |4−1| and |8−2|.
    expect(maseScale([1, 2, 4, 8], 2)).toBe(4.5);
    // Too short for the lag: falls back to lag 1.
    expect(maseScale([1, 2, 4], 5)).toBe(1.5);
    expect(pointMetrics([100, 200], [110, 180], 7 / 3).mase).toBeCloseTo(15 / (7 / 3), 12);
  });

  it("MSIS adds 2/α times each miss to the width, and coverage counts the hits", () => {
    const result = intervalMetrics([10, 20, 30], [8, 22, 25], [12, 26, 28], 95, 2);
    // Widths 4 + 4 + 3, misses 2 below and 2 above, each costing 2/0.05 = 40 per unit.
    expect(result.msis).toBeCloseTo((11 + 80 + 80) / 3 / 2, 10);
    expect(result.coverage).toBeCloseTo(1 / 3, 12);
  });

  it("OWA is the mean of the two ratios to Naive2", () => {
    expect(owa({ smape: 10, mase: 1 }, { smape: 20, mase: 2 })).toBe(0.5);
    expect(owa({ smape: 20, mase: 1 }, { smape: 20, mase: 2 })).toBe(0.75);
  });

  it("a step where forecast and actual are both zero adds no sMAPE", () => {
    expect(pointMetrics([0, 10], [0, 10], 1).smape).toBe(0);
  });
});
