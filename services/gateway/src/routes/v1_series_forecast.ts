/**
 * @module `POST /api/v1/series/{id}/forecast`: forecast a series now. The aggregator fits it in
 * its worker pool, stores the run and answers the points with their intervals, the model chosen
 * with its parameters and its backtest figures.
 */
import {
  FORECAST_REQUEST_DEADLINE_MS,
  ForecastRequestSchema,
  type ForecastRun,
  ForecastRunSchema,
} from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json } from "./openapi.js";
import { SeriesIdParamSchema } from "./v1_series_get.js";

export type V1SeriesForecastResponse = ForecastRun;

/** The aggregator stops a fit at its deadline and says so; this margin lets that answer arrive. */
const ANSWER_MARGIN_MS = 5_000;

export const route = createRoute({
  operationId: "series.forecast",
  tags: ["forecasts"],
  method: "post",
  path: "/api/v1/series/{id}/forecast",
  summary: "Forecast a series now",
  description:
    "`horizon` steps ahead of the last observation, on the series' own spacing. `model` is `auto` " +
    "(a backtest-weighted combination of the best candidates) or one model; `levels` are the " +
    "prediction interval levels in percent. The run is stored (see `GET /api/v1/series/{id}/forecasts`). " +
    "A fit that fails is stored too, and the error names the run (`details.runId`) and the reason.",
  request: {
    params: SeriesIdParamSchema,
    body: { content: { "application/json": { schema: ForecastRequestSchema } }, required: true },
  },
  responses: { 200: json(ForecastRunSchema, "The stored run with its points."), ...errorResponses },
});

export const registerV1SeriesForecast = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const request = c.req.valid("json");
    const run = await rpc.call<ForecastRun>(
      "aggregator",
      "forecasts.run",
      { ...request, seriesId: id },
      callerOf(c),
      FORECAST_REQUEST_DEADLINE_MS + ANSWER_MARGIN_MS,
    );
    return c.json(run, 200);
  });
