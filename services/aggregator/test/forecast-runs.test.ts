import type { AppError } from "@chartly/platform";
import { createTestDatabase, type TestDatabase } from "@chartly/testkit";
import { pino } from "pino";
import postgres from "postgres";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { forecastMetrics } from "../src/forecast/metrics.js";
import { createFitPool, type FitPool } from "../src/forecast/pool.js";
import { createForecaster, MAX_JOB_DELIVERIES } from "../src/forecast/runner.js";
import {
  claimJobRun,
  type FitSuccess,
  failAbandonedRequestRuns,
  finishSucceeded,
  getRun,
  pruneFinishedRuns,
  pruneSkippedRuns,
  type RunTarget,
  type Training,
} from "../src/forecast/runs-store.js";
import { ensurePartitions } from "../src/ingest/partitions.js";

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

  it("keep skipped runs for a while, then delete them, leaving the other runs alone", async () => {
    const insert = (status: string, finishedDaysAgo: number) => sql`
      insert into forecast_runs (tenant_id, spec_id, series_id, trigger, slot, status, requested_model,
        horizon, levels, finished_at)
      values ('acme', 'spec-1', ${target.seriesId}, 'schedule', now() - ${finishedDaysAgo} * interval '1 day' + random() * interval '1 hour',
        ${status}, 'auto', 1, '[80]'::jsonb, now() - ${finishedDaysAgo} * interval '1 day')
      returning id`;
    const [oldSkip] = await insert("skipped", 10);
    const [newSkip] = await insert("skipped", 1);
    const [oldFailed] = await insert("failed", 10);
    expect(await pruneSkippedRuns(sql, 7 * 86_400_000)).toBe(1);
    const left =
      await sql`select id from forecast_runs where id in ${sql([oldSkip?.id, newSkip?.id, oldFailed?.id])}`;
    expect(left.map((r) => r.id).sort()).toEqual([newSkip?.id, oldFailed?.id].sort());
  });

  it("keep the newest finished runs of each series and spec, and always its newest succeeded one", async () => {
    const [other] = await sql<{ id: string }[]>`
      insert into series (tenant_id, profile_id, measure, dims, dims_key)
      values ('acme', 'p', 'other', '{}'::jsonb, '') returning id`;
    const otherId = Number(other?.id);
    await sql`insert into forecast_specs (id, tenant_id, series_id, horizon) values ('spec-2', 'acme', ${otherId}, 1)`;
    let slot = 0;
    const insert = async (
      seriesId: number,
      specId: string | null,
      status: string,
      version = status === "succeeded" ? 1000 + slot + 1 : null,
    ) => {
      slot++;
      const [row] = await sql<{ id: string }[]>`
        insert into forecast_runs (tenant_id, spec_id, series_id, trigger, slot, status, requested_model,
          horizon, levels, finished_at, version)
        values ('acme', ${specId}, ${seriesId}, ${specId ? "schedule" : "request"},
          '2030-01-01'::timestamptz + ${slot} * interval '1 hour', ${status}, 'auto', 1, '[80]'::jsonb, now(),
          ${version})
        returning id`;
      if (status === "succeeded") {
        await sql`insert into forecast_points (run_id, step, ts, value, lower, upper)
          values (${row?.id as string}, 1, now(), 1, '{0}', '{2}')`;
      }
      return Number(row?.id);
    };
    // spec-2 on the other series: one success, then four failures; on demand: five successes.
    const success = await insert(otherId, "spec-2", "succeeded");
    const failures = [];
    for (let i = 0; i < 4; i++) failures.push(await insert(otherId, "spec-2", "failed"));
    const requests = [];
    for (let i = 0; i < 5; i++) requests.push(await insert(otherId, null, "succeeded"));
    const skipped = await insert(otherId, "spec-2", "skipped");
    const running = await insert(otherId, null, "running");

    expect(await pruneFinishedRuns(sql, 2)).toBe(2 + 3);
    const left = (await sql<{ id: string }[]>`select id from forecast_runs where series_id = ${otherId}`)
      .map((r) => Number(r.id))
      .sort((a, b) => a - b);
    // The newest two failures, the older success (the spec's newest), the newest two on-demand
    // runs, and runs that are not finished or are skipped (pruned on their own schedule).
    expect(left).toEqual([success, ...failures.slice(2), ...requests.slice(3), skipped, running]);
    const points = await sql<{ run_id: string }[]>`
      select distinct run_id from forecast_points where run_id in ${sql([success, ...requests])}`;
    expect(points.map((p) => Number(p.run_id)).sort((a, b) => a - b)).toEqual([
      success,
      ...requests.slice(3),
    ]);
    // Runs of the first series (a single spec run) were left alone, and a second pass deletes nothing.
    expect(await pruneFinishedRuns(sql, 2)).toBe(0);
    // Bounded statements: one run at a time until none is left beyond one kept.
    expect(await pruneFinishedRuns(sql, 1, 1)).toBe(1);
    expect(await pruneFinishedRuns(sql, 1, 1)).toBe(1);
    expect(await pruneFinishedRuns(sql, 1, 1)).toBe(0);
    // Fits that overlapped finish out of order: the run kept is the highest version, not the last id.
    const [third] = await sql<{ id: string }[]>`
      insert into series (tenant_id, profile_id, measure, dims, dims_key)
      values ('acme', 'p', 'third', '{}'::jsonb, '') returning id`;
    const thirdId = Number(third?.id);
    const ordered = [
      await insert(thirdId, null, "succeeded", 5),
      await insert(thirdId, null, "succeeded", 4),
      await insert(thirdId, null, "failed"),
      await insert(thirdId, null, "failed"),
    ];
    expect(await pruneFinishedRuns(sql, 1)).toBe(2);
    const kept = (
      await sql<{ id: string }[]>`select id from forecast_runs where series_id = ${thirdId} order by id`
    ).map((r) => Number(r.id));
    expect(kept).toEqual([ordered[0], ordered[3]]);
  });

  it("fail on-demand runs abandoned mid-fit, leaving recent and finished runs alone", async () => {
    const insert = (trigger: string, status: string, startedMinutesAgo: number) => sql<{ id: string }[]>`
      insert into forecast_runs (tenant_id, series_id, trigger, slot, status, requested_model, horizon,
        levels, started_at)
      values ('acme', ${target.seriesId}, ${trigger}, null, ${status}, 'auto', 1, '[80]'::jsonb,
        now() - ${startedMinutesAgo} * interval '1 minute')
      returning id`;
    const [abandoned] = await insert("request", "running", 30);
    const [recent] = await insert("request", "running", 0);
    const [done] = await insert("request", "succeeded", 30);
    expect(await failAbandonedRequestRuns(sql, 10 * 60_000)).toBe(1);
    const status = async (row: { id: string } | undefined) =>
      (await getRun(sql, "acme", Number(row?.id)))?.status;
    expect(await getRun(sql, "acme", Number(abandoned?.id))).toMatchObject({
      status: "failed",
      error: { code: "interrupted" },
    });
    expect([await status(recent), await status(done)]).toEqual(["running", "succeeded"]);
  });

  describe("by the runner", () => {
    let pool: FitPool;
    beforeAll(() => {
      pool = createFitPool(1);
    });
    afterAll(() => pool.close());
    const forecaster = () =>
      createForecaster({
        sql,
        pool,
        logger: pino({ level: "silent" }),
        metrics: forecastMetrics(new Registry()),
        instance: "agg-t",
        maxPoints: 100,
        requestDeadlineMs: 10_000,
        jobDeadlineMs: 10_000,
      });
    const job = (slot: string, seriesId = target.seriesId) => ({
      tenant: "acme",
      specId: "spec-1",
      seriesId,
      trigger: "manual" as const,
      slot,
    });

    it("fail a job interrupted on every delivery instead of fitting it once more", async () => {
      const outcome = await forecaster().runJob(job("2026-02-01T00:00:00Z"), MAX_JOB_DELIVERIES + 1);
      expect(outcome).toBe("failed");
      const [run] = await sql<{ status: string; error_code: string; error_message: string }[]>`
        select status, error_code, error_message from forecast_runs where slot = '2026-02-01T00:00:00Z'`;
      expect(run).toMatchObject({ status: "failed", error_code: "interrupted" });
      expect(run?.error_message).toMatch(/interrupted 5 times/);
    });

    it("drop a job whose series is gone or belongs to another tenant", async () => {
      expect(await forecaster().runJob(job("2026-02-02T00:00:00Z", 987_654), 1)).toBe("dropped");
      expect(await forecaster().runJob({ ...job("2026-02-02T00:00:00Z"), tenant: "globex" }, 1)).toBe(
        "dropped",
      );
      const [count] =
        await sql`select count(*)::int as n from forecast_runs where slot = '2026-02-02T00:00:00Z'`;
      expect(count?.n).toBe(0);
    });

    it("skip a scheduled slot with no new data only while the spec's settings stay the same", async () => {
      const [series] = await sql<{ id: string }[]>`
        insert into series (tenant_id, profile_id, measure, dims, dims_key)
        values ('acme', 'p', 'settings', '{}'::jsonb, '') returning id`;
      const seriesId = Number(series?.id);
      await ensurePartitions(sql, [2025]);
      await sql`
        insert into observations (series_id, ts, value)
        select ${seriesId}, '2025-03-01T00:00:00Z'::timestamptz + make_interval(hours => h), 10 + h % 5
        from generate_series(0, 47) h`;
      await sql`
        insert into forecast_specs (id, tenant_id, series_id, model, horizon, levels, schedule)
        values ('spec-settings', 'acme', ${seriesId}, 'naive', 2, '[80]'::jsonb, '{"every":"1h"}'::jsonb)`;
      const scheduled = (slot: string) => ({
        tenant: "acme",
        specId: "spec-settings",
        seriesId,
        trigger: "schedule" as const,
        slot,
      });
      const runs = () => sql<{ slot: Date; status: string; horizon: number }[]>`
        select slot, status, horizon from forecast_runs where spec_id = 'spec-settings' order by slot`;

      expect(await forecaster().runJob(scheduled("2026-03-01T00:00:00Z"), 1)).toBe("succeeded");
      expect(await forecaster().runJob(scheduled("2026-03-01T01:00:00Z"), 1)).toBe("skipped");
      // The horizon changes; the data does not: the next slot fits with the new horizon.
      await sql`update forecast_specs set horizon = 4 where id = 'spec-settings'`;
      expect(await forecaster().runJob(scheduled("2026-03-01T02:00:00Z"), 1)).toBe("succeeded");
      expect(await forecaster().runJob(scheduled("2026-03-01T03:00:00Z"), 1)).toBe("skipped");
      expect((await runs()).map((r) => [r.status, r.horizon])).toEqual([
        ["succeeded", 2],
        ["skipped", 2],
        ["succeeded", 4],
        ["skipped", 4],
      ]);
    });

    it("fail a series with too few points once, then skip its slots until points arrive", async () => {
      const [series] = await sql<{ id: string }[]>`
        insert into series (tenant_id, profile_id, measure, dims, dims_key)
        values ('acme', 'p', 'empty', '{}'::jsonb, '') returning id`;
      const seriesId = Number(series?.id);
      await ensurePartitions(sql, [2025]);
      await sql`
        insert into forecast_specs (id, tenant_id, series_id, model, horizon, levels, schedule)
        values ('spec-empty', 'acme', ${seriesId}, 'naive', 2, '[80]'::jsonb, '{"every":"1h"}'::jsonb)`;
      const scheduled = (slot: string) => ({
        tenant: "acme",
        specId: "spec-empty",
        seriesId,
        trigger: "schedule" as const,
        slot,
      });
      const add = (from: number, to: number) => sql`
        insert into observations (series_id, ts, value)
        select ${seriesId}, '2025-04-01T00:00:00Z'::timestamptz + make_interval(hours => h), h
        from generate_series(${from}::int, ${to}::int) h`;
      const runs = () => sql<{ status: string; error_code: string | null; notes: string[] | null }[]>`
        select status, error_code, notes from forecast_runs where spec_id = 'spec-empty' order by slot`;

      // No points at all, then one point: too short each time the data changes, skipped between.
      expect(await forecaster().runJob(scheduled("2026-04-01T00:00:00Z"), 1)).toBe("failed");
      expect(await forecaster().runJob(scheduled("2026-04-01T01:00:00Z"), 1)).toBe("skipped");
      await add(0, 0);
      expect(await forecaster().runJob(scheduled("2026-04-01T02:00:00Z"), 1)).toBe("failed");
      expect(await forecaster().runJob(scheduled("2026-04-01T03:00:00Z"), 1)).toBe("skipped");
      // Enough points arrive: it fits; a manual run always fits.
      await add(1, 47);
      expect(await forecaster().runJob(scheduled("2026-04-01T04:00:00Z"), 1)).toBe("succeeded");
      expect((await runs()).map((r) => [r.status, r.error_code])).toEqual([
        ["failed", "too_short"],
        ["skipped", null],
        ["failed", "too_short"],
        ["skipped", null],
        ["succeeded", null],
      ]);
      expect((await runs())[1]?.notes).toEqual([
        "still too few points to forecast: no new data since the last attempt",
      ]);
    });

    it("fit in a worker thread: the event loop keeps running timers during a long fit", async () => {
      const n = 4_000;
      const values = Array.from(
        { length: n },
        (_, h) => 50 + 5 * Math.sin((2 * Math.PI * h) / 24) + (h % 11) * 0.1,
      );
      const timestamps = values.map((_, h) => Date.UTC(2025, 0, 1) + h * 3_600_000);
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const started = performance.now();
      const reply = await pool.fit({ values, timestamps, horizon: 48, model: "auto", levels: [95] });
      const elapsed = performance.now() - started;
      clearInterval(ticker);
      expect(reply.outcome.ok).toBe(true);
      // Blocked, the loop would run the timer at most once, after the fit; free, about every 10 ms.
      expect(ticks).toBeGreaterThan(Math.min(20, elapsed / 40));
    });

    it("stop a fit past its deadline, fail its run, and keep the pool working", async () => {
      const [series] = await sql<{ id: string }[]>`
        insert into series (tenant_id, profile_id, measure, dims, dims_key)
        values ('acme', 'p', 'long', '{}'::jsonb, '') returning id`;
      await ensurePartitions(sql, [2025]);
      const first = Date.UTC(2025, 0, 1);
      await sql`
        insert into observations (series_id, ts, value)
        select ${series?.id as string}, ${new Date(first).toISOString()}::timestamptz + make_interval(hours => h),
          50 + 5 * sin(2 * pi() * h / 24) + (h % 11) * 0.1
        from generate_series(0, 3999) h`;
      const hurried = createForecaster({
        sql,
        pool,
        logger: pino({ level: "silent" }),
        metrics: forecastMetrics(new Registry()),
        instance: "agg-t",
        maxPoints: 4_000,
        requestDeadlineMs: 50,
        jobDeadlineMs: 50,
      });
      const seriesId = Number(series?.id);
      const error = (await hurried
        .forecastNow("acme", seriesId, { horizon: 48, model: "auto", levels: [80, 95] })
        .catch((e: unknown) => e)) as AppError;
      expect(error).toMatchObject({ code: "deadline_exceeded", details: { reason: "deadline_exceeded" } });
      expect(error.message).toMatch(
        /did not finish within 0.05 s \(waiting for a free worker thread included\) and was stopped/,
      );
      const run = await getRun(sql, "acme", (error.details as { runId: number }).runId);
      expect(run).toMatchObject({
        status: "failed",
        error: { code: "deadline_exceeded" },
        trainPoints: 4_000,
      });

      const after = await forecaster().forecastNow("acme", seriesId, {
        horizon: 3,
        model: "naive",
        levels: [80],
      });
      expect(after).toMatchObject({ status: "succeeded", version: 1 });
      // The last point is hour 3999 (2025-06-16T15:00Z); the forecast carries on hourly from it.
      expect(after.points?.map((p) => p.ts)).toEqual([
        "2025-06-16T16:00:00.000Z",
        "2025-06-16T17:00:00.000Z",
        "2025-06-16T18:00:00.000Z",
      ]);
    });
  });
});
