import type { ForecastRun, ForecastSpec, SeriesForecasts } from "@chartly/contracts";
import { waitFor } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ForecastWorld, HOUR, START, startForecastWorld } from "./forecast-world.js";
import { KEYS } from "./harness.js";

describe("forecasts over HTTP", () => {
  let fw: ForecastWorld;
  let seriesId: number;

  const send: ForecastWorld["send"] = (...args) => fw.send(...args);

  beforeAll(async () => {
    fw = await startForecastWorld();
    seriesId = await fw.seed("load", 24 * 10);
  });
  afterAll(() => fw?.close());

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
        const page = (
          await send("GET", `/api/v1/series/${seriesId}/forecasts?specId=${spec.id}`, KEYS.reader)
        ).body as SeriesForecasts;
        return page.items.find((r) => r.status === "succeeded");
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
});
