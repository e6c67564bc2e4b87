import {
  FORECAST_MODELS,
  type ForecastRun,
  type ForecastSpec,
  ForecastSpecCreateSchema,
  recordsSubject,
  type SeriesForecasts,
} from "@chartly/contracts";
import { MODEL_NAMES } from "@chartly/forecast";
import { type AppError, ensureStreams, type RpcContext, rpcClient } from "@chartly/platform";
import {
  createTestDatabase,
  type NatsServer,
  startNatsServer,
  type TestDatabase,
  waitFor,
} from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { scheduleDueForecasts } from "../src/forecast/scheduler.js";
import { createSpec } from "../src/forecast/specs-store.js";
import { type Aggregator, startAggregator } from "../src/service.js";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5);
const acme: RpcContext = { tenant: "acme", principal: "key:test", requestId: "r1" };
const globex: RpcContext = { tenant: "globex", principal: "key:test", requestId: "r2" };

/** Hourly points with a daily cycle, from hour `from` (inclusive) to `to` (exclusive). */
const hourly = (from: number, to: number, level = 100) =>
  Array.from({ length: to - from }, (_, i) => {
    const h = from + i;
    return { t: START + h * HOUR, v: level + 10 * Math.sin((2 * Math.PI * h) / 24) + (h % 5) * 0.3 };
  });

describe("forecasting in the aggregator", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let sql: postgres.Sql;
  let replicas: Aggregator[];
  const rpc = () => rpcClient(nc, 60_000);
  const call = <T>(method: string, payload: unknown, ctx = acme) =>
    rpc().call<T>("aggregator", method, payload, ctx);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error("expected the call to fail");
      },
      (error: AppError) => error,
    );

  let batchNo = 0;
  /** Publishes points of `measure` (tenant acme, profile `energy`) to RECORDS and waits until stored. */
  const ingest = async (
    measure: string,
    points: { t: number; v: number }[],
    dims: Record<string, string> = {},
  ) => {
    const js = jetstream(nc);
    await js.publish(
      recordsSubject("acme", "energy"),
      JSON.stringify({
        tenant: "acme",
        profileId: "energy",
        runId: `seed-${batchNo}`,
        batch: batchNo++,
        records: points.map((p) => ({
          key: `${measure}|${JSON.stringify(dims)}|${p.t}`,
          time: new Date(p.t).toISOString(),
          dims,
          measures: { [measure]: p.v },
        })),
      }),
    );
    const last = points[points.length - 1]?.t ?? 0;
    return waitFor(`points of ${measure}`, async () => {
      const [row] = await sql<{ id: string }[]>`
        select s.id from series s join observations o on o.series_id = s.id
        where s.tenant_id = 'acme' and s.measure = ${measure} and s.dims = ${JSON.stringify(dims)}::text::jsonb
          and o.ts = ${new Date(last).toISOString()}::timestamptz`;
      return row ? Number(row.id) : undefined;
    });
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await ensureStreams(nc);
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    sql = postgres(testDb.url, { max: 4, onnotice: () => {} });
    const env = (instance: string) =>
      loadConfig({
        NATS_URL: nats.url,
        DATABASE_URL: testDb.url,
        HTTP_PORT: "0",
        LOG_LEVEL: "silent",
        INSTANCE_ID: instance,
        FORECAST_WORKERS: "1",
        FORECAST_CLOCK_INTERVAL_MS: "300",
        FORECAST_ACK_WAIT_MS: "5000",
      });
    replicas = [await startAggregator(env("agg-a")), await startAggregator(env("agg-b"))];
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await nc?.close();
    await sql?.end();
    await testDb?.drop();
    await nats?.stop();
  });

  it("offers exactly the forecasting library's models", () => {
    expect([...FORECAST_MODELS].sort()).toEqual(["auto", ...MODEL_NAMES].sort());
  });

  it("reports the WebAssembly models loaded in /ready", async () => {
    const response = await fetch(`http://127.0.0.1:${replicas[0]?.runtime.httpPort}/ready`);
    const body = (await response.json()) as { checks: Record<string, { ok: boolean }> };
    expect(body.checks["forecast-models"]).toMatchObject({ ok: true });
  });

  it("forecasts a series on demand: horizon points on the hourly grid with 80 and 95% intervals, stored as version 1", async () => {
    const points = hourly(0, 24 * 14);
    const seriesId = await ingest("load", points);
    const run = await call<ForecastRun>("forecasts.run", { seriesId, horizon: 24 });

    expect(run).toMatchObject({ status: "succeeded", seriesId, trigger: "request", version: 1, horizon: 24 });
    expect(run.model).toBe("auto");
    expect(run.params).toBeTruthy();
    expect(run.backtest).toMatchObject({ metrics: { smape: expect.any(Number), mase: expect.any(Number) } });
    expect(run.trainPoints).toBe(points.length);
    expect(run.frequency).toBe("hourly");
    expect(run.points).toHaveLength(24);
    const lastObserved = points[points.length - 1]?.t as number;
    expect(run.points?.map((p) => Date.parse(p.ts))).toEqual(
      Array.from({ length: 24 }, (_, k) => lastObserved + (k + 1) * HOUR),
    );
    for (const p of run.points ?? []) {
      const i80 = p.intervals["80"];
      const i95 = p.intervals["95"];
      expect(i80 && i95).toBeTruthy();
      expect(i95?.lower).toBeLessThanOrEqual(i80?.lower as number);
      expect(i80?.lower).toBeLessThanOrEqual(p.value);
      expect(p.value).toBeLessThanOrEqual(i80?.upper as number);
      expect(i80?.upper).toBeLessThanOrEqual(i95?.upper as number);
    }
    // A clean daily cycle: the forecast follows it.
    const truth = hourly(24 * 14, 24 * 15).map((p) => p.v);
    const mae = (run.points ?? []).reduce((s, p, k) => s + Math.abs(p.value - (truth[k] as number)), 0) / 24;
    expect(mae).toBeLessThan(2);

    const stored = await call<ForecastRun>("forecasts.runs.get", { id: run.id });
    expect(stored).toEqual(run);
    const history = await call<SeriesForecasts>("forecasts.runs.list", { seriesId });
    expect(history).toMatchObject({ total: 1, latest: { id: run.id, version: 1 } });
    expect(history.latest?.points).toHaveLength(24);

    const again = await call<ForecastRun>("forecasts.run", {
      seriesId,
      horizon: 6,
      model: "snaive",
      levels: [90],
    });
    expect(again).toMatchObject({ version: 2, model: "snaive", levels: [90] });
    expect(Object.keys(again.points?.[0]?.intervals ?? {})).toEqual(["90"]);
  });

  it("stores a fit that fails (a series too short) as failed with the reason, and answers the error", async () => {
    const seriesId = await ingest("short", hourly(0, 3));
    const error = await failure(call("forecasts.run", { seriesId, horizon: 24 }));
    expect(error).toMatchObject({ code: "invalid_argument", details: { reason: "too_short" } });
    expect(error.message).toMatch(/\d+/);
    const runId = (error.details as { runId: number }).runId;
    const run = await call<ForecastRun>("forecasts.runs.get", { id: runId });
    expect(run).toMatchObject({ status: "failed", version: null, error: { code: "too_short" }, points: [] });
    expect(error.message).toBe(`${run.error?.message} (stored as failed forecast run ${runId})`);
    expect(run.error?.message).toMatch(/at least \d+|too short|\d+ points?/);
  });

  it("rejects a bad request naming the field", async () => {
    const seriesId = await ingest("bad", hourly(0, 1));
    const error = await failure(call("forecasts.run", { seriesId, horizon: 0, model: "prophet" }));
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toMatch(/horizon/);
    expect(error.message).toMatch(/model must be one of/);
    expect((await failure(call("forecasts.run", { seriesId: 999_999, horizon: 3 }))).code).toBe("not_found");
    const single = await failure(call("forecasts.run", { seriesId, horizon: 3, model: "naive" }));
    expect(single).toMatchObject({ code: "invalid_argument", details: { reason: "too_short" } });
    expect(single.message).toMatch(/has only one point; a forecast needs at least 2/);
  });

  it("creates, lists, changes and deletes specs, refusing what is not valid", async () => {
    const seriesId = await ingest("crud", hourly(0, 1));
    const both = await failure(
      call("forecasts.specs.create", { seriesId, selector: { profile: "energy" }, horizon: 3 }),
    );
    expect(both).toMatchObject({ code: "invalid_argument", details: [{ pointer: "/seriesId" }] });
    const badCron = await failure(
      call("forecasts.specs.create", { seriesId, horizon: 3, schedule: { cron: "61 * * * *" } }),
    );
    expect(badCron).toMatchObject({ code: "invalid_argument" });
    expect(badCron.message).toMatch(/cron/);

    const spec = await call<ForecastSpec>("forecasts.specs.create", {
      seriesId,
      horizon: 12,
      name: "load next half day",
    });
    expect(spec).toMatchObject({
      seriesId,
      model: "auto",
      levels: [80, 95],
      enabled: true,
      schedule: null,
      createdBy: "key:test",
    });
    expect(await call("forecasts.specs.get", { id: spec.id })).toEqual(spec);
    const changed = await call<ForecastSpec>("forecasts.specs.update", {
      id: spec.id,
      patch: { horizon: 48, schedule: { every: "6h" } },
    });
    expect(changed).toMatchObject({ horizon: 48, schedule: { every: "6h" }, name: "load next half day" });
    expect(changed.nextSlot).not.toBeNull();
    expect(
      (await call<{ items: ForecastSpec[] }>("forecasts.specs.list", { seriesId })).items.map((s) => s.id),
    ).toContain(spec.id);
    await call("forecasts.specs.delete", { id: spec.id });
    expect((await failure(call("forecasts.specs.get", { id: spec.id }))).code).toBe("not_found");
  });

  it("holds a tenant to its most specs, even when creations race, and other tenants are not counted", async () => {
    const input = ForecastSpecCreateSchema.parse({ selector: { profile: "capped" }, horizon: 3 });
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () =>
        createSpec(sql, "capped", "key:test", input, 3).then(
          () => "created",
          (error: AppError) => `${error.code}: ${error.message}`,
        ),
      ),
    );

    expect(outcomes.filter((o) => o === "created")).toHaveLength(3);
    expect(outcomes.filter((o) => o !== "created")).toEqual([
      expect.stringMatching(
        /^conflict: this tenant already has 3 forecast specs.*FORECAST_MAX_SPECS_PER_TENANT/,
      ),
      expect.stringMatching(/^conflict: /),
    ]);
    expect(await createSpec(sql, "capped-other", "key:test", input, 3)).toMatchObject({ horizon: 3 });
  });

  it("keeps every tenant to its own series, specs and runs", async () => {
    const seriesId = await ingest("tenancy", hourly(0, 48));
    const spec = await call<ForecastSpec>("forecasts.specs.create", { seriesId, horizon: 3 });
    const runId = (await call<ForecastRun>("forecasts.run", { seriesId, horizon: 3, model: "naive" })).id;

    for (const [method, payload] of [
      ["forecasts.run", { seriesId, horizon: 3 }],
      ["forecasts.runs.get", { id: runId }],
      ["forecasts.specs.get", { id: spec.id }],
      ["forecasts.specs.update", { id: spec.id, patch: { horizon: 5 } }],
      ["forecasts.specs.delete", { id: spec.id }],
      ["forecasts.specs.run", { id: spec.id }],
      ["forecasts.runs.list", { seriesId }],
    ] as const) {
      expect({ method, code: (await failure(call(method, payload, globex))).code }).toEqual({
        method,
        code: "not_found",
      });
    }
    const creating = await failure(call("forecasts.specs.create", { seriesId, horizon: 3 }, globex));
    expect(creating).toMatchObject({ code: "invalid_argument", details: [{ pointer: "/seriesId" }] });
    expect(await call("forecasts.specs.list", {}, globex)).toMatchObject({ total: 0, items: [] });
    expect(await call<ForecastSpec>("forecasts.specs.get", { id: spec.id })).toMatchObject({ horizon: 3 });
  });

  it("fits a recurring spec when its slot comes, skips a slot with no new data, and fits again after new data arrives", async () => {
    const seriesId = await ingest("solar", hourly(0, 24 * 10, 50));
    const spec = await call<ForecastSpec>("forecasts.specs.create", {
      seriesId,
      horizon: 24,
      model: "theta",
      schedule: { every: "1h" },
    });
    const runsOfSpec = async () =>
      (await call<SeriesForecasts>("forecasts.runs.list", { seriesId, limit: 50 })).items
        .filter((r) => r.specId === spec.id)
        .reverse();
    const finished = (n: number) => async () => {
      const runs = await runsOfSpec();
      return runs.length >= n && runs.every((r) => r.finishedAt) ? runs : undefined;
    };

    // A new spec's current slot is due at once: the clock queues it.
    const [first] = await waitFor("the first scheduled forecast", finished(1), 30_000);
    expect(first).toMatchObject({ trigger: "schedule", status: "succeeded", version: 1, model: "theta" });
    expect(first?.points).toBeUndefined();

    // The next slot (the clock run an hour on) finds nothing new.
    const js = jetstream(nc);
    const silent = pino({ level: "silent" });
    const later = (hours: number) => Date.now() + hours * HOUR;
    await waitFor(
      "the clock",
      async () => ((await scheduleDueForecasts(sql, js, silent, later(1))) ?? 0) > 0 || undefined,
    );
    const [, second] = await waitFor("the second scheduled run", finished(2), 30_000);
    expect(second).toMatchObject({
      status: "skipped",
      version: null,
      notes: ["no new data since the last forecast"],
    });

    // New points arrive; the slot after that fits them.
    await ingest("solar", hourly(24 * 10, 24 * 11, 50));
    await waitFor(
      "the clock",
      async () => ((await scheduleDueForecasts(sql, js, silent, later(2))) ?? 0) > 0 || undefined,
    );
    const [, , third] = await waitFor("the third scheduled run", finished(3), 30_000);
    expect(third).toMatchObject({ status: "succeeded", version: 2, trainPoints: 24 * 11 });
    expect(Date.parse(third?.trainTo as string)).toBe(START + (24 * 11 - 1) * HOUR);
    const latest = await call<SeriesForecasts>("forecasts.runs.list", { seriesId });
    expect(latest.latest).toMatchObject({ id: third?.id });
    expect(Date.parse(latest.latest?.points?.[0]?.ts as string)).toBe(START + 24 * 11 * HOUR);
  });

  it("shares queued jobs between two replicas, each job fitted once", async () => {
    const sites = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"];
    for (const [i, site] of sites.entries()) await ingest("wind", hourly(0, 24 * 7, 20 + i), { site });
    const spec = await call<ForecastSpec>("forecasts.specs.create", {
      selector: { profile: "energy", measure: "wind" },
      horizon: 12,
    });
    const fitsBefore = await totalFits();
    const queued = await call<{ seriesIds: number[] }>("forecasts.specs.run", { id: spec.id });
    expect(queued.seriesIds).toHaveLength(sites.length);

    const rows = await waitFor(
      "every job fitted",
      async () => {
        const r = await sql<
          { series_id: string; status: string; instance: string; started_at: Date; finished_at: Date }[]
        >`
          select series_id, status, instance, started_at, finished_at from forecast_runs where spec_id = ${spec.id}`;
        return r.length === sites.length && r.every((x) => x.finished_at) ? r : undefined;
      },
      120_000,
    );
    expect(rows.every((r) => r.status === "succeeded")).toBe(true);
    expect(new Set(rows.map((r) => r.series_id)).size).toBe(sites.length);
    // Both replicas took part, and neither ran two fits at once (one thread each).
    const byReplica = new Map<string, (typeof rows)[number][]>();
    for (const row of rows) {
      const replica = row.instance.split("/")[0] as string;
      byReplica.set(replica, [...(byReplica.get(replica) ?? []), row]);
    }
    expect([...byReplica.keys()].sort()).toEqual(["agg-a", "agg-b"]);
    for (const runs of byReplica.values()) {
      const sorted = runs.sort((a, b) => a.started_at.getTime() - b.started_at.getTime());
      for (let i = 1; i < sorted.length; i++) {
        expect(sorted[i]?.started_at.getTime()).toBeGreaterThanOrEqual(
          sorted[i - 1]?.finished_at.getTime() as number,
        );
      }
    }
    // Each job was fitted exactly once, counting both replicas' fits.
    expect((await totalFits()) - fitsBefore).toBe(sites.length);
  });

  it("counts fits, failures, fit seconds and horizons in /metrics", async () => {
    const good = await ingest("metered", hourly(0, 48));
    const short = await ingest("metered-short", hourly(0, 2));
    const before = await sampleSums();
    await call("forecasts.run", { seriesId: good, horizon: 5, model: "naive" });
    await failure(call("forecasts.run", { seriesId: short, horizon: 7 }));
    const after = await sampleSums();
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect({
      succeeded: delta('chartly_forecast_fits_total{outcome="succeeded",trigger="request"}'),
      failed: delta('chartly_forecast_fits_total{outcome="failed",trigger="request"}'),
      tooShort: delta('chartly_forecast_failures_total{code="too_short"}'),
      fitted: delta('chartly_forecast_fit_seconds_count{model="naive"}'),
      horizons: delta('chartly_forecast_horizon_steps_count{trigger="request"}'),
      horizonSum: delta('chartly_forecast_horizon_steps_sum{trigger="request"}'),
    }).toEqual({ succeeded: 1, failed: 1, tooShort: 1, fitted: 1, horizons: 2, horizonSum: 12 });
  });

  /** Every forecast sample of both replicas' /metrics, summed by name and labels. */
  async function sampleSums(): Promise<Map<string, number>> {
    const sums = new Map<string, number>();
    for (const replica of replicas) {
      const text = await (await fetch(`http://127.0.0.1:${replica.runtime.httpPort}/metrics`)).text();
      for (const line of text.split("\n")) {
        const match = /^(chartly_forecast_\w+)\{([^}]*)\} (\S+)$/.exec(line);
        if (!match) continue;
        // Histogram buckets aside: their counts and sums are enough here.
        if ((match[2] as string).includes("le=")) continue;
        const labels = (match[2] as string)
          .split(",")
          .filter((l) => !l.startsWith("service="))
          .sort()
          .join(",");
        const key = `${match[1]}{${labels}}`;
        sums.set(key, (sums.get(key) ?? 0) + Number(match[3]));
      }
    }
    return sums;
  }

  async function totalFits(): Promise<number> {
    let total = 0;
    for (const replica of replicas) {
      const metric = await replica.runtime.metrics.getSingleMetric("chartly_forecast_fits_total")?.get();
      total += (metric?.values ?? []).reduce((s, v) => s + v.value, 0);
    }
    return total;
  }
});
