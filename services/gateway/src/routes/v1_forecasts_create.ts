/** @module `POST /api/v1/forecasts`: create a forecast spec for one series or a selector, optionally on a schedule. */
import { type ForecastSpec, ForecastSpecCreateSchema, ForecastSpecSchema } from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json, problem } from "./openapi.js";

export type V1ForecastsCreateResponse = ForecastSpec;

export const route = createRoute({
  operationId: "forecasts.create",
  tags: ["forecasts"],
  method: "post",
  path: "/api/v1/forecasts",
  summary: "Create a forecast spec",
  description:
    "Either `seriesId` or `selector` (`profile`, optional `measure`, `dims` the series must have). " +
    "With a `schedule` (`every` or `cron` with `timezone`) the forecast is refitted at each slot when " +
    "new data arrived or the spec's model, horizon or levels changed since the last fit, and recorded " +
    "as skipped otherwise.",
  request: {
    body: { content: { "application/json": { schema: ForecastSpecCreateSchema } }, required: true },
  },
  responses: {
    201: json(ForecastSpecSchema, "The spec."),
    ...errorResponses,
    409: problem("The tenant already has as many specs as FORECAST_MAX_SPECS_PER_TENANT allows."),
  },
});

export const registerV1ForecastsCreate = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const spec = await rpc.call<ForecastSpec>(
      "aggregator",
      "forecasts.specs.create",
      c.req.valid("json"),
      callerOf(c),
    );
    return c.json(spec, 201);
  });
