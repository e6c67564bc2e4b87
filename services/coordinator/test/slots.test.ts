import { describe, expect, it } from "vitest";
import { currentSlot, jitterOffset, manualRunId, scheduledRunId } from "../src/scheduler/slots.js";

const at = (iso: string) => Date.parse(iso);

describe("schedule slots", () => {
  it("align to multiples of the interval", () => {
    expect(currentSlot(at("2026-01-01T10:17:42Z"), 15 * 60_000).toISOString()).toBe(
      "2026-01-01T10:15:00.000Z",
    );
    expect(currentSlot(at("2026-01-01T10:15:00Z"), 15 * 60_000).toISOString()).toBe(
      "2026-01-01T10:15:00.000Z",
    );
    expect(currentSlot(at("2026-01-01T23:59:59Z"), 86_400_000).toISOString()).toBe(
      "2026-01-01T00:00:00.000Z",
    );
  });

  it("shift by the jitter offset, which is the same for a profile on every replica", () => {
    const offset = jitterOffset("worldbank-gdp", 30_000);
    expect(offset).toBe(jitterOffset("worldbank-gdp", 30_000));
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(30_000);
    expect(jitterOffset("another-profile", 30_000)).not.toBe(offset);
    const slot = currentSlot(at("2026-01-01T10:00:40Z"), 60_000, 25_000);
    expect(slot.toISOString()).toBe("2026-01-01T10:00:25.000Z");
    expect(currentSlot(at("2026-01-01T10:00:10Z"), 60_000, 25_000).toISOString()).toBe(
      "2026-01-01T09:59:25.000Z",
    );
  });

  it("name a scheduled run after its profile and slot, so a slot has one run", () => {
    const slot = new Date("2026-01-01T10:15:00Z");
    expect(scheduledRunId("gdp", slot)).toBe("gdp@20260101T101500Z");
    expect(scheduledRunId("gdp", new Date(slot))).toBe(scheduledRunId("gdp", slot));
    expect(manualRunId("gdp", slot, "abc")).toBe("gdp@20260101T101500Z-manual-abc");
  });
});
