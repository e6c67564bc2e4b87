/** @module `GET /api/v1/forecasts/{id}`: one forecast spec. */
import { type ForecastSpec, ForecastSpecSchema } from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema, json } from "./openapi.js";

export type V1ForecastsGetResponse = ForecastSpec;

export const route = createRoute({
  operationId: "forecasts.get",
  tags: ["forecasts"],
  method: "get",
  path: "/api/v1/forecasts/{id}",
  summary: "Get a forecast spec",
  request: { params: IdParamSchema },
  responses: { 200: json(ForecastSpecSchema, "The spec."), ...errorResponses },
});

export const registerV1ForecastsGet = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(
      await rpc.call<ForecastSpec>("aggregator", "forecasts.specs.get", { id }, callerOf(c)),
      200,
    );
  });
