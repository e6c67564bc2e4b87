import {
  type ForecastRun,
  type ForecastSpec,
  recordsSubject,
  type SeriesForecasts,
} from "@chartly/contracts";
import { rpcClient } from "@chartly/platform";
import { type Launched, launch, waitFor } from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { as, KEYS, startWorld, type World } from "./harness.js";

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5);

/** The forecast routes answered by a real aggregator on real NATS and Postgres. */
describe("forecasts over HTTP", () => {
  let world: World;
  let app: App;
  let aggregator: Launched;
  let seriesId: number;
  let shortSeriesId: number;

  const seed = async (measure: string, hours: number) => {
    await jetstream(world.nc).publish(
      recordsSubject("acme", "grid"),
      JSON.stringify({
        tenant: "acme",
        profileId: "grid",
        runId: `seed-${measure}`,
        batch: 0,
        records: Array.from({ length: hours }, (_, h) => ({
          key: `${measure}|${h}`,
          time: new Date(START + h * HOUR).toISOString(),
          dims: {},
          measures: { [measure]: 100 + 10 * Math.sin((2 * Math.PI * h) / 24) },
        })),
      }),
    );
    return waitFor(`series ${measure}`, async () => {
      const [row] = await world.sql<{ id: string }[]>`
        select id from series where tenant_id = 'acme' and measure = ${measure} and obs_count = ${hours}`;
      return row ? Number(row.id) : undefined;
    });
  };

  const send = async (method: string, path: string, key: string, body?: unknown) => {
    const init = as(key, body === undefined ? {} : { body });
    const response = await app.request(path, { ...init, method });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    world = await startWorld({ standIns: false });
    app = await world.app({ RPC_TIMEOUT_MS: "20000" });
    aggregator = launch("aggregator", "services/aggregator/src/main.ts", {
      NATS_URL: world.nats.url,
      DATABASE_URL: world.database.url,
      HTTP_PORT: "0",
      FORECAST_WORKERS: "1",
    });
    const rpc = rpcClient(world.nc, 1_000);
    const system = { tenant: "", principal: "test", requestId: "" };
    await waitFor(
      "the aggregator",
      () => rpc.call("aggregator", "health", {}, system).catch(() => undefined),
      60_000,
    );
    seriesId = await seed("load", 24 * 10);
    shortSeriesId = await seed("tiny", 3);
  });
  afterAll(async () => {
    await aggregator?.stop();
    await world?.close();
  });

  it("forecasts a series on demand and keeps the run in its history", async () => {
    const made = await send("POST", `/api/v1/series/${seriesId}/forecast`, KEYS.editor, {
      horizon: 12,
      levels: [50, 90],
    });
    expect(made.status).toBe(200);
    const run = made.body as ForecastRun;
    expect(run).toMatchObject({ status: "succeeded", seriesId, horizon: 12, levels: [50, 90], version: 1 });
    expect(run.points).toHaveLength(12);
    expect(run.points?.[0]?.ts).toBe(new Date(START + 24 * 10 * HOUR).toISOString());
    expect(Object.keys(run.points?.[0]?.intervals ?? {}).sort()).toEqual(["50", "90"]);

    const history = await send("GET", `/api/v1/series/${seriesId}/forecasts`, KEYS.reader);
    expect(history.status).toBe(200);
    expect(history.body as SeriesForecasts).toMatchObject({ total: 1, latest: { id: run.id } });
    const one = await send("GET", `/api/v1/forecasts/runs/${run.id}`, KEYS.reader);
    expect(one.body).toEqual(run);
  });

  it("answers a bad request with the fields at fault, and a failed fit with its reason", async () => {
    const bad = await send("POST", `/api/v1/series/${seriesId}/forecast`, KEYS.editor, {
      horizon: -1,
      model: "magic",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(["/horizon", "/model"]);

    const short = await send("POST", `/api/v1/series/${shortSeriesId}/forecast`, KEYS.editor, {
      horizon: 24,
    });
    expect(short.status).toBe(400);
    expect(short.body).toMatchObject({ code: "invalid_argument" });
    expect(short.body.detail).toMatch(
      /needs at least \d+ observations.*got 3.*stored as failed forecast run \d+/,
    );
    const failed = await send("GET", `/api/v1/series/${shortSeriesId}/forecasts?status=failed`, KEYS.reader);
    expect(failed.body).toMatchObject({ total: 1, latest: null, items: [{ status: "failed" }] });
  });

  it("manages forecast specs and runs one now", async () => {
    const created = await send("POST", "/api/v1/forecasts", KEYS.editor, {
      seriesId,
      horizon: 6,
      model: "snaive",
      schedule: { cron: "0 6 * * *", timezone: "Europe/Paris" },
    });
    expect(created.status).toBe(201);
    const spec = created.body as ForecastSpec;
    expect(spec).toMatchObject({
      seriesId,
      horizon: 6,
      model: "snaive",
      enabled: true,
      createdBy: "key:editor",
    });
    expect(spec.nextSlot).not.toBeNull();

    expect((await send("GET", `/api/v1/forecasts/${spec.id}`, KEYS.reader)).body).toEqual(spec);
    const listed = await send("GET", `/api/v1/forecasts?seriesId=${seriesId}`, KEYS.reader);
    expect(listed.body).toMatchObject({ total: 1, items: [{ id: spec.id }] });

    const patched = await send("PATCH", `/api/v1/forecasts/${spec.id}`, KEYS.editor, { enabled: false });
    expect(patched.body).toMatchObject({ enabled: false, model: "snaive", nextSlot: null });
    const replaced = await send("PUT", `/api/v1/forecasts/${spec.id}`, KEYS.editor, { horizon: 8 });
    expect(replaced.body).toMatchObject({ horizon: 8, model: "auto", schedule: null, enabled: true });

    const queued = await send("POST", `/api/v1/forecasts/${spec.id}/run`, KEYS.editor);
    expect(queued).toMatchObject({ status: 202, body: { specId: spec.id, seriesIds: [seriesId] } });
    const run = await waitFor(
      "the spec's run",
      async () => {
        const page = (await send("GET", `/api/v1/series/${seriesId}/forecasts`, KEYS.reader))
          .body as SeriesForecasts;
        return page.items.find((r) => r.specId === spec.id && r.status === "succeeded");
      },
      60_000,
    );
    expect(run).toMatchObject({ trigger: "manual", horizon: 8 });

    const invalid = await send("PATCH", `/api/v1/forecasts/${spec.id}`, KEYS.editor, {
      schedule: { every: "10s" },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.detail).toMatch(/at least 1m/);

    expect((await send("DELETE", `/api/v1/forecasts/${spec.id}`, KEYS.editor)).status).toBe(204);
    expect((await send("GET", `/api/v1/forecasts/${spec.id}`, KEYS.reader)).status).toBe(404);
    // The runs stay in the series' history.
    const after = await send("GET", `/api/v1/forecasts/runs/${run.id}`, KEYS.reader);
    expect(after.body).toMatchObject({ id: run.id, specId: null });
  });

  it("never shows one tenant another's specs or runs", async () => {
    const spec = (await send("POST", "/api/v1/forecasts", KEYS.editor, { seriesId, horizon: 3 }))
      .body as ForecastSpec;
    const run = (
      await send("POST", `/api/v1/series/${seriesId}/forecast`, KEYS.editor, { horizon: 3, model: "naive" })
    ).body as ForecastRun;
    for (const path of [`/api/v1/forecasts/${spec.id}`, `/api/v1/forecasts/runs/${run.id}`]) {
      expect({ path, status: (await send("GET", path, KEYS.globexReader)).status }).toEqual({
        path,
        status: 404,
      });
    }
    expect((await send("GET", `/api/v1/series/${seriesId}/forecasts`, KEYS.globexReader)).status).toBe(404);
    expect((await send("GET", "/api/v1/forecasts", KEYS.globexReader)).body).toMatchObject({ total: 0 });
  });
});
