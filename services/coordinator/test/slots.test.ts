import type { ScheduleSpec } from "@chartly/contracts";
import { describe, expect, it } from "vitest";
import {
  currentSlot,
  dueSlot,
  jitterOffset,
  manualRunId,
  nextSlot,
  scheduledRunId,
  scheduleProblem,
} from "../src/scheduler/slots.js";

const at = (iso: string) => Date.parse(iso);

/** The slots a dispatcher ticking at these times queues: each due slot once, in order. */
function dispatched(schedule: ScheduleSpec, ticks: number[]): string[] {
  const slots: string[] = [];
  for (const tick of ticks) {
    const slot = dueSlot(schedule, "p", tick)?.toISOString();
    if (slot && slots.at(-1) !== slot) slots.push(slot);
  }
  return slots;
}

const everyMinute = (from: string, to: string) => {
  const ticks: number[] = [];
  for (let t = at(from); t <= at(to); t += 60_000) ticks.push(t);
  return ticks;
};

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
    expect(scheduledRunId("default", "gdp", slot)).toBe("gdp@20260101T101500Z");
    expect(scheduledRunId("default", "gdp", new Date(slot))).toBe(scheduledRunId("default", "gdp", slot));
    expect(manualRunId("default", "gdp", slot, "abc")).toBe("gdp@20260101T101500Z-manual-abc");
    // Another tenant's profile of the same id has runs of its own.
    expect(scheduledRunId("acme", "gdp", slot)).toBe("acme~gdp@20260101T101500Z");
    expect(manualRunId("acme", "gdp", slot, "abc")).toBe("acme~gdp@20260101T101500Z-manual-abc");
  });

  it("follow a cron schedule in its time zone, across a daylight saving change", () => {
    // 09:30 on weekdays in Paris: 08:30 UTC in winter time, 07:30 UTC from Sunday 29 March 2026.
    const schedule = { cron: "30 9 * * 1-5", timezone: "Europe/Paris" };
    expect(dueSlot(schedule, "p", at("2026-03-27T08:30:00Z"))?.toISOString()).toBe(
      "2026-03-27T08:30:00.000Z",
    );
    expect(dueSlot(schedule, "p", at("2026-03-27T08:29:59Z"))?.toISOString()).toBe(
      "2026-03-26T08:30:00.000Z",
    );
    expect(nextSlot(schedule, "p", at("2026-03-27T08:30:00Z"))?.toISOString()).toBe(
      "2026-03-30T07:30:00.000Z",
    );
    expect(dispatched(schedule, everyMinute("2026-03-26T00:00:00Z", "2026-03-31T23:59:00Z"))).toEqual([
      "2026-03-25T08:30:00.000Z",
      "2026-03-26T08:30:00.000Z",
      "2026-03-27T08:30:00.000Z",
      "2026-03-30T07:30:00.000Z",
      "2026-03-31T07:30:00.000Z",
    ]);
  });

  it("dispatch each cron slot once however often the clock ticks", () => {
    // Every six hours in New York (UTC-5 in January): 00, 06, 12, 18 local.
    const schedule = { cron: "0 */6 * * *", timezone: "America/New_York" };
    const ticks: number[] = [];
    for (let t = at("2026-01-10T05:00:00Z"); t < at("2026-01-11T05:00:00Z"); t += 1_000) ticks.push(t);
    expect(dispatched(schedule, ticks)).toEqual([
      "2026-01-10T05:00:00.000Z",
      "2026-01-10T11:00:00.000Z",
      "2026-01-10T17:00:00.000Z",
      "2026-01-10T23:00:00.000Z",
    ]);
  });

  it("catch up after downtime with the latest missed slot only", () => {
    const hourly = { every: "1h" };
    const before = everyMinute("2026-01-01T10:00:00Z", "2026-01-01T10:30:00Z");
    const after = everyMinute("2026-01-01T13:20:00Z", "2026-01-01T13:40:00Z");
    expect(dispatched(hourly, [...before, ...after])).toEqual([
      "2026-01-01T10:00:00.000Z",
      "2026-01-01T13:00:00.000Z",
    ]);
    const daily = { cron: "0 2 * * *", timezone: "Asia/Tokyo" };
    expect(dispatched(daily, [at("2026-01-01T00:00:00Z"), at("2026-01-04T12:00:00Z")])).toEqual([
      "2025-12-31T17:00:00.000Z",
      "2026-01-03T17:00:00.000Z",
    ]);
  });

  it("explain a cron expression that cannot be followed", () => {
    expect(scheduleProblem({ cron: "61 * * * *" })).toMatch(/minute/);
    expect(scheduleProblem({ cron: "*/5 * * * *", timezone: "Europe/Paris" })).toBeUndefined();
    expect(scheduleProblem({ every: "1h" })).toBeUndefined();
  });
});
