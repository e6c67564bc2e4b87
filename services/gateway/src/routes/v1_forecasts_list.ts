/** @module `GET /api/v1/forecasts`: the tenant's forecast specs. */
import { type ForecastSpec, ForecastSpecSchema, type Page } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json, PageQuerySchema, pageOf } from "./openapi.js";

const QuerySchema = PageQuerySchema.extend({
  seriesId: z.coerce.number().int().positive().optional(),
  enabled: z.enum(["true", "false"]).optional(),
});
export type V1ForecastsListResponse = Page<ForecastSpec>;

export const route = createRoute({
  operationId: "forecasts.list",
  tags: ["forecasts"],
  method: "get",
  path: "/api/v1/forecasts",
  summary: "List forecast specs",
  request: { query: QuerySchema },
  responses: { 200: json(pageOf(ForecastSpecSchema), "A page of specs and the total."), ...errorResponses },
});

export const registerV1ForecastsList = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) =>
    c.json(
      await rpc.call<Page<ForecastSpec>>(
        "aggregator",
        "forecasts.specs.list",
        c.req.valid("query"),
        callerOf(c),
      ),
      200,
    ),
  );
