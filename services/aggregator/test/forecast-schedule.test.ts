import { describe, expect, it } from "vitest";
import { futureTimestamps } from "../src/forecast/horizon.js";
import { dueSlot, nextSlot, scheduleProblem } from "../src/forecast/slots.js";

const utc = (text: string) => Date.parse(text);
const iso = (times: number[]) => times.map((t) => new Date(t).toISOString());

describe("forecast timestamps", () => {
  it("carry an hourly series on by the hour, across a gap in the data", () => {
    const times = [0, 1, 2, 4, 5].map((h) => utc("2026-03-01T00:00:00Z") + h * 3_600_000);
    expect(iso(futureTimestamps(times, 2))).toEqual(["2026-03-01T06:00:00.000Z", "2026-03-01T07:00:00.000Z"]);
  });

  it("carry a monthly series on by calendar months, keeping the day and clamping to short months", () => {
    const times = ["2025-10-31", "2025-11-30", "2025-12-31", "2026-01-31"].map((d) => utc(`${d}T00:00:00Z`));
    expect(iso(futureTimestamps(times, 3))).toEqual([
      "2026-02-28T00:00:00.000Z",
      "2026-03-31T00:00:00.000Z",
      "2026-04-30T00:00:00.000Z",
    ]);
  });

  it("carry quarterly and yearly series on by 3 and 12 months", () => {
    const quarters = ["2025-01-01", "2025-04-01", "2025-07-01"].map((d) => utc(`${d}T00:00:00Z`));
    expect(iso(futureTimestamps(quarters, 2))).toEqual([
      "2025-10-01T00:00:00.000Z",
      "2026-01-01T00:00:00.000Z",
    ]);
    const years = ["2022-01-01", "2023-01-01", "2024-01-01"].map((d) => utc(`${d}T00:00:00Z`));
    expect(iso(futureTimestamps(years, 1))).toEqual(["2025-01-01T00:00:00.000Z"]);
  });
});

describe("forecast schedule slots", () => {
  const now = utc("2026-03-29T10:17:00Z");

  it("align every-schedules to multiples of the interval since the epoch", () => {
    expect(dueSlot({ every: "1h" }, now)?.toISOString()).toBe("2026-03-29T10:00:00.000Z");
    expect(nextSlot({ every: "1h" }, now)?.toISOString()).toBe("2026-03-29T11:00:00.000Z");
    expect(dueSlot({ every: "1d" }, now)?.toISOString()).toBe("2026-03-29T00:00:00.000Z");
  });

  it("read cron fields in the schedule's time zone, daylight saving included", () => {
    // Paris moved to summer time at 01:00 UTC that morning: 06:00 there is 04:00 UTC.
    const schedule = { cron: "0 6 * * *", timezone: "Europe/Paris" };
    expect(dueSlot(schedule, now)?.toISOString()).toBe("2026-03-29T04:00:00.000Z");
    expect(nextSlot(schedule, now)?.toISOString()).toBe("2026-03-30T04:00:00.000Z");
  });

  it("name what is wrong with a cron expression croner refuses", () => {
    expect(scheduleProblem({ cron: "61 * * * *" })).toMatch(/^cron "61 \* \* \* \*": /);
    expect(scheduleProblem({ cron: "*/15 * * * *" })).toBeUndefined();
  });
});
