/** @module `PATCH /api/v1/forecasts/{id}`: change some fields of a forecast spec (`schedule: null` removes the schedule). */
import { type ForecastSpec, ForecastSpecPatchSchema, ForecastSpecSchema } from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema, json } from "./openapi.js";

export type V1ForecastsUpdateResponse = ForecastSpec;

export const route = createRoute({
  operationId: "forecasts.update",
  tags: ["forecasts"],
  method: "patch",
  path: "/api/v1/forecasts/{id}",
  summary: "Change a forecast spec",
  description:
    "The fields given replace the stored ones; what the spec forecasts (series or selector) stays.",
  request: {
    params: IdParamSchema,
    body: { content: { "application/json": { schema: ForecastSpecPatchSchema } }, required: true },
  },
  responses: { 200: json(ForecastSpecSchema, "The changed spec."), ...errorResponses },
});

export const registerV1ForecastsUpdate = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const patch = c.req.valid("json");
    return c.json(
      await rpc.call<ForecastSpec>("aggregator", "forecasts.specs.update", { id, patch }, callerOf(c)),
      200,
    );
  });
