/**
 * @module `PUT /api/v1/forecasts/{id}`: replace a forecast spec's settings; what is left out takes
 * its default (no name, `auto`, levels 80 and 95, no schedule, enabled).
 */
import { type ForecastSpec, ForecastSpecPutSchema, ForecastSpecSchema } from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema, json } from "./openapi.js";

export type V1ForecastsReplaceResponse = ForecastSpec;

export const route = createRoute({
  operationId: "forecasts.replace",
  tags: ["forecasts"],
  method: "put",
  path: "/api/v1/forecasts/{id}",
  summary: "Replace a forecast spec's settings",
  request: {
    params: IdParamSchema,
    body: { content: { "application/json": { schema: ForecastSpecPutSchema } }, required: true },
  },
  responses: { 200: json(ForecastSpecSchema, "The spec."), ...errorResponses },
});

export const registerV1ForecastsReplace = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const patch = { ...body, name: body.name ?? null, schedule: body.schedule ?? null };
    return c.json(
      await rpc.call<ForecastSpec>("aggregator", "forecasts.specs.update", { id, patch }, callerOf(c)),
      200,
    );
  });
