import type { RecordBatch } from "@chartly/contracts";
import { createDatabase, type Database } from "@chartly/db";
import { createTestDatabase, type TestDatabase } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { existingYears } from "../src/ingest/partitions.js";
import { writeBatches } from "../src/ingest/writer.js";
import { enforceRetention } from "../src/storage/retention.js";

const YEAR = 365 * 86_400_000;
const yearly = (profileId: string, years: number[]): RecordBatch => ({
  tenant: "t1",
  profileId,
  runId: "r",
  batch: 0,
  units: {},
  records: years.map((y) => ({
    key: `${y}`,
    time: `${y}-07-01T00:00:00.000Z`,
    dims: {},
    measures: { v: y },
  })),
});

describe("retention", () => {
  let testDb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 2 });
    // "short" keeps 2 years, "forever" keeps everything; only "short" has points in 2015.
    await writeBatches(database.sql, [
      yearly("short", [2015, 2020, 2022, 2024]),
      yearly("forever", [2020, 2024]),
    ]);
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  const years = async (profile: string) =>
    (
      await database.sql<{ y: number }[]>`
        select extract(year from o.ts)::int as y from observations o join series s on s.id = o.series_id
        where s.profile_id = ${profile} order by 1`
    ).map((r) => r.y);

  it("removes only what is older than each profile keeps, dropping whole partitions where it can", async () => {
    const now = Date.parse("2024-12-01T00:00:00Z");
    const report = await enforceRetention(
      database.sql,
      [
        { tenant: "t1", profileId: "short", retentionMs: 2 * YEAR },
        { tenant: "t1", profileId: "forever", retentionMs: undefined },
      ],
      undefined,
      now,
    );
    expect(report.droppedPartitions).toEqual(["observations_y2015"]);
    // 2020 and 2022 of "short" share their partitions with "forever": deleted row by row.
    expect(report.deletedPoints).toBe(2);
    expect(await years("short")).toEqual([2024]);
    expect(await years("forever")).toEqual([2020, 2024]);
    expect([...(await existingYears(database.sql))].sort()).toEqual([2020, 2022, 2024]);
    // (Only years that received points ever had a partition.)
    const [series] =
      await database.sql`select obs_count::int as n, first_ts from series where profile_id = 'short'`;
    expect(series?.n).toBe(1);
    expect(series?.first_ts).toEqual(new Date("2024-07-01T00:00:00Z"));
  });

  it("lets the writer recreate a dropped year's partition", async () => {
    const result = await writeBatches(database.sql, [yearly("forever", [2015])]);
    expect(result.inserted).toBe(1);
    expect(await years("forever")).toEqual([2015, 2020, 2024]);
  });

  it("applies the default to profiles without their own retention", async () => {
    const report = await enforceRetention(database.sql, [], 3 * YEAR, Date.parse("2024-12-01T00:00:00Z"));
    expect(report.droppedPartitions).toEqual(["observations_y2015", "observations_y2020"]);
    expect(await years("forever")).toEqual([2024]);
  });
});
