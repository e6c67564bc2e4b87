import { describe, expect, it } from "vitest";
import { fillMissing, forecast, timestampGrid } from "../src/index.js";
import { seasonalSeries } from "./synthetic.js";

const HOUR = 3_600_000;
const start = Date.UTC(2026, 0, 5);

describe("missing values", () => {
  it("a one-point hole is interpolated linearly", () => {
    const { values, filled } = fillMissing(Float64Array.from([1, 2, Number.NaN, 6]), 1);
    expect(Array.from(values)).toEqual([1, 2, 4, 6]);
    expect(filled).toBe(1);
  });

  it("missing ends are dropped, not invented", () => {
    const result = fillMissing(Float64Array.from([Number.NaN, 1, 2, Number.NaN, Number.NaN]), 1);
    expect(Array.from(result.values)).toEqual([1, 2]);
    expect(result.leading).toBe(1);
    expect(result.trailing).toBe(2);
  });

  it("a long hole in a seasonal series is filled with the previous season", () => {
    const truth = seasonalSeries(48, { period: 12 });
    const holed = Float64Array.from(truth);
    for (let t = 30; t < 36; t++) holed[t] = Number.NaN;
    const { values } = fillMissing(holed, 12);
    for (let t = 30; t < 36; t++) expect(values[t]).toBeCloseTo(truth[t] as number, 8);
  });

  it("forecast() fills NaN and null, and says how many", () => {
    const values: (number | null)[] = seasonalSeries(60, { period: 12 });
    values[20] = null;
    values[21] = Number.NaN;
    const result = forecast(values, { h: 4, m: 12, model: "snaive" });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.notes).toContain("interpolated 2 missing points");
  });
});

describe("timestamps", () => {
  it("hourly timestamps give period 24 and a weekly MSTL period", () => {
    const stamps = Array.from({ length: 72 }, (_, i) => start + i * HOUR);
    const outcome = timestampGrid(stamps);
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.grid.frequency).toBe("hourly");
    expect(outcome.grid.m).toBe(24);
    expect(outcome.grid.periods).toEqual([24, 168]);
  });

  it.each([
    ["daily", 86_400_000, 7],
    ["weekly", 7 * 86_400_000, 52],
  ])("%s spacing gives period %i", (frequency, step, m) => {
    const outcome = timestampGrid(Array.from({ length: 10 }, (_, i) => start + i * step));
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.grid.frequency).toBe(frequency);
    expect(outcome.grid.m).toBe(m);
  });

  it("calendar months, quarters and years are recognised despite their uneven lengths", () => {
    const months = Array.from({ length: 24 }, (_, i) => new Date(Date.UTC(2024, i, 1)));
    const quarters = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2020, 3 * i, 1)).toISOString());
    const years = Array.from({ length: 8 }, (_, i) => new Date(Date.UTC(2000 + i, 0, 1)));
    const grid = (ts: Parameters<typeof timestampGrid>[0]) => {
      const outcome = timestampGrid(ts);
      if (!outcome.ok) throw new Error(outcome.message);
      return outcome.grid;
    };
    expect(grid(months)).toMatchObject({ frequency: "monthly", m: 12, slots: months.map((_, i) => i) });
    expect(grid(quarters)).toMatchObject({ frequency: "quarterly", m: 4 });
    expect(grid(years)).toMatchObject({ frequency: "yearly", m: 1 });
  });

  it("a gap in the timestamps becomes missing points that are filled", () => {
    const values = seasonalSeries(96, { period: 24 });
    const stamps = values.map((_, i) => start + i * HOUR);
    const kept = values.map((v, i) => ({ v, t: stamps[i] as number })).filter((_, i) => i < 40 || i >= 43);
    const result = forecast(
      kept.map((p) => p.v),
      { h: 24, model: "snaive", timestamps: kept.map((p) => p.t) },
    );
    if (!result.ok) throw new Error(result.error.message);
    expect(result.period).toBe(24);
    expect(result.frequency).toBe("hourly");
    expect(result.notes).toContain("3 missing timestamps in gaps of the hourly grid");
    expect(result.notes).toContain("interpolated 3 missing points");
    result.points.forEach((p, k) => {
      expect(p).toBeCloseTo(values[72 + k] as number, 8);
    });
  });

  it("timestamps out of order are refused", () => {
    const result = forecast([1, 2, 3], { h: 1, model: "naive", timestamps: [3, 2, 1] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("invalid_argument");
  });
});
