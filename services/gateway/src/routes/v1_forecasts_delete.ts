/** @module `DELETE /api/v1/forecasts/{id}`: delete a forecast spec; its stored runs stay in the series' history. */
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema } from "./openapi.js";

export const route = createRoute({
  operationId: "forecasts.delete",
  tags: ["forecasts"],
  method: "delete",
  path: "/api/v1/forecasts/{id}",
  summary: "Delete a forecast spec",
  request: { params: IdParamSchema },
  responses: { 204: { description: "Deleted." }, ...errorResponses },
});

export const registerV1ForecastsDelete = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    await rpc.call("aggregator", "forecasts.specs.delete", { id }, callerOf(c));
    return c.body(null, 204);
  });
