import { describe, expect, it } from "vitest";
import { JobSchema, ScheduleSpecSchema } from "../src/index.js";

const issuesOf = (input: unknown) => {
  const result = ScheduleSpecSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("a schedule", () => {
  it("is an interval with jitter or a cron expression in a time zone, with a number of attempts", () => {
    expect(issuesOf({ every: "15m", jitter: "30s", maxAttempts: 5 })).toEqual([]);
    expect(issuesOf({ cron: "30 9 * * 1-5", timezone: "Europe/Paris" })).toEqual([]);
    expect(issuesOf({ cron: "*/10 * * * * *" })).toEqual([]);
    expect(issuesOf({ cron: "@daily", timezone: "America/New_York" })).toEqual([]);
  });

  it("needs exactly one of every and cron", () => {
    expect(issuesOf({})).toEqual([": schedule needs exactly one of every or cron"]);
    expect(issuesOf({ every: "1h", cron: "0 * * * *" })).toEqual([
      ": schedule needs exactly one of every or cron",
    ]);
  });

  it("names what is wrong with a cron expression, a time zone or a number of attempts", () => {
    expect(issuesOf({ cron: "every morning" })[0]).toMatch(/^cron: cron must have 5 fields/);
    expect(issuesOf({ cron: "0 9 * * *", timezone: "Europe/Atlantis" })).toEqual([
      "timezone: timezone must be an IANA time zone such as Europe/Paris or UTC",
    ]);
    expect(issuesOf({ every: "1h", timezone: "UTC" })).toEqual([
      "timezone: timezone applies to cron schedules only",
    ]);
    expect(issuesOf({ every: "1h", maxAttempts: 0 })[0]).toMatch(/^maxAttempts: /);
    expect(issuesOf({ every: "1h", maxAttempts: 11 })[0]).toMatch(/^maxAttempts: /);
  });
});

describe("a job", () => {
  it("carries no attempt when it is a run's first, as jobs queued before retries existed", () => {
    const job = {
      runId: "r",
      tenant: "t",
      profileId: "p",
      profileVersion: 1,
      slot: "2026-01-01T00:00:00.000Z",
      trigger: "schedule",
      spec: {
        id: "p",
        name: "p",
        schedule: { every: "1h" },
        source: { url: "https://example.org" },
        records: { time: { field: "t" }, measures: { v: "v" } },
      },
    };
    expect(JobSchema.parse(job).attempt).toBeUndefined();
    expect(JobSchema.parse({ ...job, attempt: 2 }).attempt).toBe(2);
  });
});
