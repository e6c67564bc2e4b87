/** @module `GET /api/v1/series/{id}/forecasts`: a series' latest forecast (with points) and its run history. */
import { FORECAST_RUN_STATUSES, type SeriesForecasts, SeriesForecastsSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json, PageQuerySchema } from "./openapi.js";
import { SeriesIdParamSchema } from "./v1_series_get.js";

const QuerySchema = PageQuerySchema.extend({
  status: z.enum(FORECAST_RUN_STATUSES).optional(),
  specId: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "Only the runs of this forecast spec." }),
});
export type V1SeriesForecastsResponse = SeriesForecasts;

export const route = createRoute({
  operationId: "series.forecasts",
  tags: ["forecasts"],
  method: "get",
  path: "/api/v1/series/{id}/forecasts",
  summary: "A series' forecasts",
  description:
    "`latest` is the newest succeeded run with its points (the spec's, with `specId`); `items` the runs, newest first, without points.",
  request: { params: SeriesIdParamSchema, query: QuerySchema },
  responses: {
    200: json(SeriesForecastsSchema, "The latest forecast and a page of runs."),
    ...errorResponses,
  },
});

export const registerV1SeriesForecasts = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    return c.json(
      await rpc.call<SeriesForecasts>(
        "aggregator",
        "forecasts.runs.list",
        { ...query, seriesId: id },
        callerOf(c),
      ),
      200,
    );
  });
