import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ForecastWorld, startForecastWorld } from "./forecast-world.js";
import { KEYS } from "./harness.js";

describe("forecast requests that cannot be answered", () => {
  let fw: ForecastWorld;
  let seriesId: number;
  let shortSeriesId: number;

  const send: ForecastWorld["send"] = (...args) => fw.send(...args);

  beforeAll(async () => {
    fw = await startForecastWorld();
    seriesId = await fw.seed("load", 24 * 10);
    shortSeriesId = await fw.seed("tiny", 3);
  });
  afterAll(() => fw?.close());

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

  it("answers 404 for what does not exist, and 400 naming the field for a spec that is not valid", async () => {
    expect((await send("POST", "/api/v1/series/987654/forecast", KEYS.editor, { horizon: 3 })).status).toBe(
      404,
    );
    expect(
      (await send("POST", "/api/v1/series/abc/forecast", KEYS.editor, { horizon: 3 })).body,
    ).toMatchObject({
      code: "invalid_argument",
      errors: [{ in: "path", pointer: "/id" }],
    });
    expect((await send("GET", "/api/v1/forecasts/no-such-spec", KEYS.reader)).status).toBe(404);
    expect((await send("POST", "/api/v1/forecasts/no-such-spec/run", KEYS.editor)).status).toBe(404);
    expect((await send("GET", "/api/v1/forecasts/runs/987654", KEYS.reader)).status).toBe(404);

    const both = await send("POST", "/api/v1/forecasts", KEYS.editor, {
      seriesId,
      selector: { profile: "grid" },
      horizon: 3,
    });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([
      expect.objectContaining({
        in: "body",
        pointer: "/seriesId",
        message: expect.stringMatching(/exactly one/),
      }),
    ]);
    const badSchedule = await send("POST", "/api/v1/forecasts", KEYS.editor, {
      seriesId,
      horizon: 3,
      schedule: { every: "1h", timezone: "Mars/Olympus" },
    });
    expect(badSchedule.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      "/schedule/timezone",
      "/schedule/timezone",
    ]);
    const unknownField = await send("POST", "/api/v1/forecasts", KEYS.editor, {
      seriesId,
      horizon: 3,
      every: "1h",
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.detail).toMatch(/every/);
  });
});
