import { createTestDatabase, type TestDatabase } from "@chartly/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  claimJobRun,
  type FitSuccess,
  finishSucceeded,
  getRun,
  type RunTarget,
  type Training,
} from "../src/forecast/runs-store.js";

const training: Training = {
  from: "2026-01-01T00:00:00Z",
  to: "2026-01-02T00:00:00Z",
  points: 25,
  marker: "m1",
};
const fit = (value: number): FitSuccess => ({
  model: "naive",
  params: {},
  backtest: undefined,
  notes: [],
  period: 1,
  frequency: "hourly",
  fitMs: 3,
  points: [{ ts: Date.parse("2026-01-02T01:00:00Z"), value, lower: [value - 1], upper: [value + 1] }],
});

describe("forecast job runs in Postgres", () => {
  let testDb: TestDatabase;
  let sql: postgres.Sql;
  let target: RunTarget;

  beforeAll(async () => {
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    sql = postgres(testDb.url, { max: 2, onnotice: () => {} });
    const [series] = await sql<{ id: string }[]>`
      insert into series (tenant_id, profile_id, measure, dims, dims_key)
      values ('acme', 'p', 'm', '{}'::jsonb, '') returning id`;
    await sql`insert into forecast_specs (id, tenant_id, series_id, horizon) values ('spec-1', 'acme', ${series?.id as string}, 1)`;
    target = {
      tenant: "acme",
      seriesId: Number(series?.id),
      specId: "spec-1",
      trigger: "schedule",
      slot: "2026-01-02T00:00:00Z",
      model: "naive",
      horizon: 1,
      levels: [80],
    };
  });
  afterAll(async () => {
    await sql?.end();
    await testDb?.drop();
  });

  it("are claimed by one replica; a redelivery takes over, and the replica that lost the job cannot store its fit", async () => {
    const first = await claimJobRun(sql, target, "agg-a/1", false);
    expect(first).toBeGreaterThan(0);
    // The same job seen again without a redelivery (a duplicate) does not start a second fit.
    expect(await claimJobRun(sql, target, "agg-b/1", false)).toBeUndefined();
    // agg-a lost the lease: JetStream redelivers to agg-b, which takes the run over.
    expect(await claimJobRun(sql, target, "agg-b/2", true)).toBe(first);
    expect(await finishSucceeded(sql, first as number, "agg-a/1", target.seriesId, training, fit(1))).toBe(
      false,
    );
    expect(await finishSucceeded(sql, first as number, "agg-b/2", target.seriesId, training, fit(2))).toBe(
      true,
    );

    const run = await getRun(sql, "acme", first as number);
    expect(run).toMatchObject({ status: "succeeded", version: 1, trainPoints: 25 });
    expect(run?.points).toEqual([
      { ts: "2026-01-02T01:00:00.000Z", value: 2, intervals: { "80": { lower: 1, upper: 3 } } },
    ]);
    // A finished run is not fitted again, whoever sees its job.
    expect(await claimJobRun(sql, target, "agg-c/1", true)).toBeUndefined();
    expect(await getRun(sql, "globex", first as number)).toBeUndefined();
  });
});
