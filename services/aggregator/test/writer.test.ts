import type { RecordBatch } from "@chartly/contracts";
import { createDatabase, type Database } from "@chartly/db";
import { createTestDatabase, type TestDatabase } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { dimsKey } from "../src/ingest/dims-key.js";
import { writeBatches } from "../src/ingest/writer.js";

const batch = (runId: string, values: [string, string, number | null][], tenant = "t1"): RecordBatch => ({
  tenant,
  profileId: "gdp",
  runId,
  batch: 0,
  units: { value: "USD" },
  records: values.map(([country, year, value]) => ({
    key: `${country}|${year}`,
    time: `${year}-01-01T00:00:00.000Z`,
    dims: { country },
    measures: { value },
  })),
});

describe("writing record batches", () => {
  let testDb: TestDatabase;
  let database: Database;
  const count = async (table: string) =>
    Number((await database.sql.unsafe(`select count(*) as n from ${table}`))[0]?.n);

  beforeAll(async () => {
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 3 });
    await database.sql`
      insert into runs (id, tenant_id, profile_id, trigger, status) values
        ('r1', 't1', 'gdp', 'schedule', 'running'), ('r2', 't1', 'gdp', 'schedule', 'running'),
        ('r3', 't1', 'gdp', 'schedule', 'running')`;
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  it("stores each point once and creates each series once", async () => {
    const result = await writeBatches(database.sql, [
      batch("r1", [
        ["JPN", "2019", 5.08e12],
        ["JPN", "2020", 5.04e12],
        ["USA", "2019", 2.14e13],
        ["USA", "2020", null],
      ]),
    ]);
    expect(result).toMatchObject({ inserted: 3, updated: 0, unchanged: 0 });
    expect(await count("observations")).toBe(3);
    const series =
      await database.sql`select dims, unit, obs_count::int, first_ts, last_ts from series order by dims_key`;
    expect(series.map((s) => [s.dims, s.unit, s.obs_count])).toEqual([
      [{ country: "JPN" }, "USD", 2],
      [{ country: "USA" }, "USD", 1],
    ]);
    const [run] =
      await database.sql`select records_received, records_stored, records_updated from runs where id = 'r1'`;
    expect(run).toEqual({ records_received: 3, records_stored: 3, records_updated: 0 });
  });

  it("changes nothing when the same batch arrives again", async () => {
    const result = await writeBatches(database.sql, [
      batch("r1", [
        ["JPN", "2019", 5.08e12],
        ["JPN", "2020", 5.04e12],
        ["USA", "2019", 2.14e13],
      ]),
    ]);
    expect(result).toMatchObject({ inserted: 0, updated: 0, unchanged: 3 });
    expect(await count("observations")).toBe(3);
    expect(await count("series")).toBe(2);
    const [revised] = await database.sql`select count(*)::int as n from observations where revisions > 0`;
    expect(revised?.n).toBe(0);
  });

  it("updates a revised value in place and counts the revision", async () => {
    const result = await writeBatches(database.sql, [
      batch("r2", [
        ["JPN", "2020", 5.05e12],
        ["JPN", "2021", 4.9e12],
      ]),
    ]);
    expect(result).toMatchObject({ inserted: 1, updated: 1, unchanged: 0 });
    const rows = await database.sql`
      select extract(year from ts)::int as year, value, revisions, run_id from observations o
      join series s on s.id = o.series_id where s.dims_key = ${dimsKey({ country: "JPN" })} order by ts`;
    expect(rows.map((r) => [r.year, r.value, r.revisions, r.run_id])).toEqual([
      [2019, 5.08e12, 0, "r1"],
      [2020, 5.05e12, 1, "r2"],
      [2021, 4.9e12, 0, "r2"],
    ]);
    const [series] =
      await database.sql`select obs_count::int, last_ts from series where dims_key = ${dimsKey({ country: "JPN" })}`;
    expect(series?.obs_count).toBe(3);
    expect(series?.last_ts).toEqual(new Date("2021-01-01T00:00:00.000Z"));
    const [run] =
      await database.sql`select records_received, records_stored, records_updated from runs where id = 'r2'`;
    expect(run).toEqual({ records_received: 2, records_stored: 1, records_updated: 1 });
  });

  it("keeps the last value when one write holds the same point twice", async () => {
    const result = await writeBatches(database.sql, [
      batch("r3", [["DEU", "2019", 1]]),
      batch("r3", [["DEU", "2019", 2]]),
    ]);
    expect(result.inserted).toBe(1);
    const [row] = await database.sql`
      select value from observations o join series s on s.id = o.series_id
      where s.dims_key = ${dimsKey({ country: "DEU" })}`;
    expect(row?.value).toBe(2);
  });

  it("keeps the same dims of different tenants in different series", async () => {
    await writeBatches(database.sql, [batch("r9", [["JPN", "2019", 1]], "t2")]);
    const rows =
      await database.sql`select tenant_id from series where dims_key = ${dimsKey({ country: "JPN" })} order by 1`;
    expect(rows.map((r) => r.tenant_id)).toEqual(["t1", "t2"]);
  });
});

describe("the same records split into batches differently", () => {
  it("leave an identical table", async () => {
    const testDb = await createTestDatabase(inject("databaseAdminUrl"));
    const database = createDatabase(testDb.url, { max: 2 });
    try {
      const records = Array.from({ length: 100 }, (_, i) => ({
        key: `${i}`,
        time: new Date(Date.UTC(2020, 0, 1 + (i % 50))).toISOString(),
        dims: { sensor: `s${i % 3}` },
        measures: { value: i % 50, other: i % 7 === 0 ? null : i },
      }));
      const split = (size: number): RecordBatch[] => {
        const out: RecordBatch[] = [];
        for (let i = 0; i < records.length; i += size) {
          out.push({
            tenant: "t",
            profileId: "p",
            runId: `r${size}`,
            batch: i / size,
            units: {},
            records: records.slice(i, i + size),
          });
        }
        return out;
      };
      const dump = () => database.sql`
        select s.measure, s.dims_key, o.ts, o.value, o.revisions, s.obs_count
        from observations o join series s on s.id = o.series_id order by 1, 2, 3`;
      for (const batch of split(7)) await writeBatches(database.sql, [batch]);
      const first = await dump();
      await writeBatches(database.sql, split(13));
      const second = await dump();
      expect(second).toEqual(first);
      expect(first.length).toBeGreaterThan(0);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});

describe("the dims key", () => {
  it("does not depend on the order of the dims and cannot be forged with separators", () => {
    expect(dimsKey({ b: "2", a: "1" })).toBe(dimsKey({ a: "1", b: "2" }));
    expect(dimsKey({ a: "1&b=2" })).not.toBe(dimsKey({ a: "1", b: "2" }));
    expect(dimsKey({})).toBe("");
  });
});
