import type { ForecastRun, ForecastSpec } from "@chartly/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ForecastWorld, startForecastWorld } from "./forecast-world.js";
import { KEYS } from "./harness.js";

describe("forecasts and tenants", () => {
  let fw: ForecastWorld;
  let seriesId: number;

  const send: ForecastWorld["send"] = (...args) => fw.send(...args);

  beforeAll(async () => {
    fw = await startForecastWorld();
    seriesId = await fw.seed("load", 24 * 10);
  });
  afterAll(() => fw?.close());

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
