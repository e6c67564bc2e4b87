/** @module `GET /api/v1/forecasts/runs/{id}`: one stored forecast run with its points. */
import { type ForecastRun, ForecastRunSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json } from "./openapi.js";

const ParamSchema = z.object({ id: z.coerce.number().int().positive() });
export type V1ForecastsRunsGetResponse = ForecastRun;

export const route = createRoute({
  operationId: "forecasts.runs.get",
  tags: ["forecasts"],
  method: "get",
  path: "/api/v1/forecasts/runs/{id}",
  summary: "Get a forecast run",
  request: { params: ParamSchema },
  responses: { 200: json(ForecastRunSchema, "The run with its points."), ...errorResponses },
});

export const registerV1ForecastsRunsGet = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await rpc.call<ForecastRun>("aggregator", "forecasts.runs.get", { id }, callerOf(c)), 200);
  });
