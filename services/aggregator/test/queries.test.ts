import type { RecordBatch } from "@chartly/contracts";
import { ObservationsQuerySchema, SeriesQuerySchema } from "@chartly/contracts";
import { createDatabase, type Database } from "@chartly/db";
import { createTestDatabase, type TestDatabase } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { writeBatches } from "../src/ingest/writer.js";
import { inferFrequency } from "../src/queries/frequency.js";
import { listRecords } from "../src/queries/records.js";
import { getObservations, getSeries, listSeries } from "../src/queries/series.js";
import { refreshAllRollups } from "../src/storage/rollups.js";

const HOUR = 3_600_000;
const START = Date.parse("2024-01-01T00:00:00Z");

/** 96 hourly points of a sine-like day cycle for a station, plus a yearly GDP series. */
function data(): RecordBatch[] {
  const hourly = Array.from({ length: 96 }, (_, i) => ({
    key: `k${i}`,
    time: new Date(START + i * HOUR).toISOString(),
    dims: { station: "VK", region: "Florida Bay" },
    measures: { temperature: i % 24 === 13 ? 40 : 20 + (i % 24) / 4 },
  }));
  const yearly = [2019, 2020, 2021, 2022].map((year) => ({
    key: `JPN|${year}`,
    time: `${year}-01-01T00:00:00.000Z`,
    dims: { country: "JPN" },
    measures: { gdp: year * 1000 },
  }));
  const events = [
    {
      key: "quake-1",
      time: "2024-01-02T03:04:05.000Z",
      dims: { place: "Alaska" },
      measures: {},
      attrs: { mag: "M4" },
    },
  ];
  return [
    {
      tenant: "t1",
      profileId: "water",
      runId: "r1",
      batch: 0,
      units: { temperature: "degC" },
      records: hourly,
    },
    { tenant: "t1", profileId: "gdp", runId: "r1", batch: 1, units: { gdp: "USD" }, records: yearly },
    { tenant: "t1", profileId: "quakes", runId: "r1", batch: 2, units: {}, records: events },
    { tenant: "t2", profileId: "water", runId: "r2", batch: 0, units: {}, records: hourly.slice(0, 3) },
  ];
}

describe("series queries", () => {
  let testDb: TestDatabase;
  let database: Database;
  let waterId: number;
  let gdpId: number;

  beforeAll(async () => {
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 3 });
    await writeBatches(database.sql, data());
    const page = await listSeries(database.sql, "t1", SeriesQuerySchema.parse({}));
    waterId = page.items.find((s) => s.profileId === "water")?.id as number;
    gdpId = page.items.find((s) => s.profileId === "gdp")?.id as number;
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  const observations = async (id: number, query: Record<string, unknown>) => {
    const series = await getSeries(database.sql, "t1", id);
    if (!series) throw new Error("no series");
    return getObservations(
      database.sql,
      "t1",
      ObservationsQuerySchema.parse({ seriesId: id, ...query }),
      series,
    );
  };

  it("finds series by profile, dimension value and free text, within the tenant", async () => {
    const search = (query: Record<string, string>) =>
      listSeries(database.sql, "t1", SeriesQuerySchema.parse(query)).then((p) =>
        p.items.map((s) => s.profileId),
      );
    expect(await search({ profile: "gdp" })).toEqual(["gdp"]);
    expect(await search({ "dim.station": "VK", measure: "temperature" })).toEqual(["water"]);
    expect(await search({ "dim.station": "VK" })).toEqual(["water"]);
    expect(await search({ "dim.station": "XX" })).toEqual([]);
    expect(await search({ q: "florida" })).toEqual(["water"]);
    expect(await search({ q: "usd" })).toEqual(["gdp"]);
    expect(await search({ q: "%" })).toEqual([]);
    const other = await listSeries(database.sql, "t2", SeriesQuerySchema.parse({}));
    expect(other.items.map((s) => [s.profileId, s.count])).toEqual([["water", 3]]);
  });

  it("describes a series with its range, count and inferred frequency", async () => {
    expect(await getSeries(database.sql, "t1", waterId, { withFrequency: true })).toMatchObject({
      dims: { station: "VK", region: "Florida Bay" },
      unit: "degC",
      count: 96,
      firstTs: "2024-01-01T00:00:00.000Z",
      lastTs: "2024-01-04T23:00:00.000Z",
      frequency: "1h",
    });
    expect((await getSeries(database.sql, "t1", gdpId, { withFrequency: true }))?.frequency).toBe("1y");
    expect(await getSeries(database.sql, "t2", gdpId)).toBeUndefined();
  });

  it("returns a raw range, half-open", async () => {
    const items = await observations(waterId, { from: "2024-01-01T02:00:00Z", to: "2024-01-01T04:00:00Z" });
    expect(items).toEqual([
      { ts: "2024-01-01T02:00:00.000Z", value: 20.5 },
      { ts: "2024-01-01T03:00:00.000Z", value: 20.75 },
    ]);
  });

  it("resamples into fixed and calendar buckets with each aggregate", async () => {
    const daily = await observations(waterId, { interval: "1d", agg: "max" });
    expect(daily.map((d) => d.value)).toEqual([40, 40, 40, 40]);
    expect(daily[0]?.ts).toBe("2024-01-01T00:00:00.000Z");
    const counts = await observations(waterId, { interval: "6h", agg: "count" });
    expect(counts).toHaveLength(16);
    expect(counts.every((c) => c.value === 6)).toBe(true);
    const firstLast = await observations(waterId, { interval: "1d", agg: "last" });
    expect(firstLast[0]?.value).toBe(20 + 23 / 4);
    const avg = await observations(waterId, { interval: "1d" });
    const expected =
      Array.from({ length: 24 }, (_, h) => (h === 13 ? 40 : 20 + h / 4)).reduce((a, b) => a + b) / 24;
    expect(avg[0]?.value).toBeCloseTo(expected, 10);
    const yearly = await observations(gdpId, { interval: "1y", agg: "sum" });
    expect(yearly.map((y) => [y.ts.slice(0, 4), y.value])).toEqual([
      ["2019", 2019000],
      ["2020", 2020000],
      ["2021", 2021000],
      ["2022", 2022000],
    ]);
  });

  it("answers resampling the same from hourly rollups, before, during and after their refresh", async () => {
    const queries = [
      { interval: "1d", agg: "avg" },
      { interval: "6h", agg: "count" },
      { interval: "1d", agg: "last" },
      { interval: "1d", agg: "first" },
      { interval: "2h", agg: "max", from: "2024-01-02T00:00:00Z", to: "2024-01-03T00:00:00Z" },
    ];
    // A series of its own, so the other tests' data stays as it was: four points an hour (the
    // hourly series' value repeated), dense enough to keep rollups.
    const [water] = data();
    const rolled = (water as RecordBatch).records.flatMap((r) =>
      [0, 15, 30, 45].map((minute) => ({
        ...r,
        key: `${r.key}:${minute}`,
        time: new Date(Date.parse(r.time) + minute * 60_000).toISOString(),
        dims: { station: "RL" },
      })),
    );
    await writeBatches(database.sql, [{ ...(water as RecordBatch), profileId: "rolled", records: rolled }]);
    const page = await listSeries(database.sql, "t1", SeriesQuerySchema.parse({ profile: "rolled" }));
    const rolledId = page.items[0]?.id as number;
    const answers = async () => Promise.all(queries.map((q) => observations(rolledId, q)));
    const pending = await answers();
    expect(await refreshAllRollups(database.sql)).toBeGreaterThan(0);
    const [rollups] =
      await database.sql`select count(*)::int as n from observation_rollups where series_id = ${rolledId}`;
    expect(rollups?.n).toBe(96);
    // The hourly series is too sparse for rollups: none are kept, and its answers come from its points.
    const [sparse] = await database.sql<{ rollups: boolean; n: number }[]>`
      select s.rollups, (select count(*)::int from observation_rollups r where r.series_id = s.id) as n
      from series s where s.id = ${waterId}`;
    expect(sparse).toEqual({ rollups: false, n: 0 });
    expect(await answers()).toEqual(pending);
    // New points after the refresh: the hours before them come from rollups, the rest from raw points.
    await writeBatches(database.sql, [
      {
        tenant: "t1",
        profileId: "rolled",
        runId: "r3",
        batch: 0,
        units: {},
        records: [
          {
            key: "late",
            time: "2024-01-04T23:30:00.000Z",
            dims: { station: "RL" },
            measures: { temperature: 99 },
          },
        ],
      },
    ]);
    const [mark] = await database.sql`select rollup_from from series where id = ${rolledId}`;
    expect(mark?.rollup_from).toEqual(new Date("2024-01-04T23:30:00Z"));
    const mixed = await observations(rolledId, { interval: "1d", agg: "max" });
    expect(mixed.map((m) => m.value)).toEqual([40, 40, 40, 99]);
    await refreshAllRollups(database.sql);
    expect(await observations(rolledId, { interval: "1d", agg: "max" })).toEqual(mixed);
  });

  it("starts keeping rollups, from the first point, when a sparse series becomes dense", async () => {
    const point = (i: number, minute: number) => ({
      key: `d${i}:${minute}`,
      time: new Date(START + i * HOUR + minute * 60_000).toISOString(),
      dims: { station: "DN" },
      measures: { level: (i % 7) * 10 + minute },
    });
    const write = (runId: string, records: RecordBatch["records"]) =>
      writeBatches(database.sql, [
        { tenant: "t1", profileId: "densifying", runId, batch: 0, units: {}, records },
      ]);
    await write(
      "d1",
      Array.from({ length: 48 }, (_, i) => point(i, 0)),
    );
    const page = await listSeries(database.sql, "t1", SeriesQuerySchema.parse({ profile: "densifying" }));
    const id = page.items[0]?.id as number;
    const state = async () =>
      (
        await database.sql<{ rollups: boolean; marked: boolean; n: number }[]>`
        select s.rollups, s.rollup_from is not null as marked,
               (select count(*)::int from observation_rollups r where r.series_id = s.id) as n
        from series s where s.id = ${id}`
      )[0];
    const queries = [
      { interval: "1d", agg: "avg" },
      { interval: "6h", agg: "count" },
      { interval: "3h", agg: "last" },
      { interval: "1d", agg: "min", from: "2024-01-01T05:00:00Z" },
    ];
    const answers = async () => Promise.all(queries.map((q) => observations(id, q)));

    await refreshAllRollups(database.sql);
    expect(await state()).toEqual({ rollups: false, marked: false, n: 0 });
    const sparseAnswers = await answers();
    expect(sparseAnswers[1]?.map((b) => b.value)).toEqual([6, 6, 6, 6, 6, 6, 6, 6]);

    // Ten more points in every hour: now dense. Before the refresh every answer comes from points.
    await write(
      "d2",
      Array.from({ length: 48 }, (_, i) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((m) => point(i, m))).flat(),
    );
    const before = await answers();
    expect(before[1]?.map((b) => b.value)).toEqual([66, 66, 66, 66, 66, 66, 66, 66]);
    await refreshAllRollups(database.sql);
    expect(await state()).toEqual({ rollups: true, marked: false, n: 48 });
    expect(await answers()).toEqual(before);
  });

  it("downsamples for charts without losing the peaks", async () => {
    const points = await observations(waterId, { maxPoints: 8 });
    expect(points.length).toBeLessThanOrEqual(8);
    expect(points.filter((p) => p.value === 40)).toHaveLength(4);
    expect(points.some((p) => p.value === 20)).toBe(true);
    const sorted = [...points].sort((a, b) => a.ts.localeCompare(b.ts));
    expect(points).toEqual(sorted);
  });

  it("refuses a query that mixes interval and maxPoints, or a bad interval", () => {
    expect(() => ObservationsQuerySchema.parse({ seriesId: 1, interval: "1d", maxPoints: 10 })).toThrow(
      /either interval/,
    );
    expect(() => ObservationsQuerySchema.parse({ seriesId: 1, interval: "2mo" })).toThrow(
      /interval must look like/,
    );
  });

  it("keeps non-numeric records by key, idempotently", async () => {
    await writeBatches(database.sql, data().slice(2, 3));
    const { items } = await listRecords(database.sql, "t1", { profile: "quakes" });
    expect(items).toEqual([
      {
        profileId: "quakes",
        key: "quake-1",
        time: "2024-01-02T03:04:05.000Z",
        data: { dims: { place: "Alaska" }, attrs: { mag: "M4" } },
        runId: "r1",
      },
    ]);
    expect((await listRecords(database.sql, "t2", {})).items).toEqual([]);
  });
});

describe("frequency inference", () => {
  const spaced = (step: number, n = 10) => Array.from({ length: n }, (_, i) => START + i * step);
  it("names fixed and calendar spacings", () => {
    expect(inferFrequency(spaced(HOUR))).toBe("1h");
    expect(inferFrequency(spaced(15 * 60_000))).toBe("15m");
    expect(inferFrequency(spaced(24 * HOUR))).toBe("1d");
    expect(inferFrequency(spaced(7 * 24 * HOUR))).toBe("1w");
    const months = Array.from({ length: 12 }, (_, i) => Date.UTC(2023, i, 1));
    expect(inferFrequency(months)).toBe("1mo");
    const quarters = Array.from({ length: 8 }, (_, i) => Date.UTC(2020, i * 3, 1));
    expect(inferFrequency(quarters)).toBe("1q");
  });
  it("says nothing with too few points", () => {
    expect(inferFrequency([START, START + HOUR])).toBeNull();
  });
});
