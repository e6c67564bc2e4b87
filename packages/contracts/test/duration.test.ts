import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../src/index.js";

describe("durations", () => {
  it("parse every unit a profile may use", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("5m")).toBe(300_000);
    expect(parseDuration("6h")).toBe(21_600_000);
    expect(parseDuration("1d")).toBe(86_400_000);
    expect(parseDuration("1w")).toBe(604_800_000);
    expect(parseDuration("5y")).toBe(5 * 365 * 86_400_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
  });

  it("refuse text that is not a duration", () => {
    for (const text of ["", "often", "5", "5 years", "-1m", "m5"])
      expect(parseDuration(text)).toBeUndefined();
  });

  it("format with the largest exact unit", () => {
    expect(formatDuration(21_600_000)).toBe("6h");
    expect(formatDuration(90_000)).toBe("90s");
    expect(formatDuration(1_500)).toBe("1500ms");
  });
});
