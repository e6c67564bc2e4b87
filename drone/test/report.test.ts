import { describe, expect, it } from "vitest";
import { summary } from "../src/cli/report.js";

describe("the dry run's summary", () => {
  const stats = { pages: 1, bytes: 10, recordsOut: 1, skipped: {}, recordsIn: 1 };

  it("shows the cursor a succeeded incremental run would store", () => {
    const lines = summary(
      { status: "succeeded", stats, cursor: { kind: "date", value: "2024-01-05T00:00:00.000Z" } },
      [],
      10,
    );
    expect(lines).toContain("cursor     2024-01-05T00:00:00.000Z (would be stored for the next run)");
  });

  it("shows no cursor line for a profile without one", () => {
    expect(summary({ status: "succeeded", stats }, [], 10).some((line) => line.startsWith("cursor"))).toBe(
      false,
    );
  });

  it("shows skipped records by reason apart from the null values of records kept", () => {
    const lines = summary(
      {
        status: "succeeded",
        stats: {
          ...stats,
          recordsIn: 50,
          recordsOut: 49,
          skipped: { "no numeric measure": 1 },
          nulls: { "value missing": 3, "not a number": 1 },
        },
      },
      [],
      10,
    );
    expect(lines).toContain("skipped    no numeric measure: 1");
    expect(lines).toContain("nulls      value missing: 3, not a number: 1");
  });
});
