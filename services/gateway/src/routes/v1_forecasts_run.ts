/**
 * @module `POST /api/v1/forecasts/{id}/run`: queue a fit of every series the spec covers now,
 * whether or not new data arrived; the runs appear under each series' forecasts.
 */
import { type ForecastSpecRun, ForecastSpecRunSchema } from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema, json } from "./openapi.js";

export type V1ForecastsRunResponse = ForecastSpecRun;

export const route = createRoute({
  operationId: "forecasts.run",
  tags: ["forecasts"],
  method: "post",
  path: "/api/v1/forecasts/{id}/run",
  summary: "Run a forecast spec now",
  request: { params: IdParamSchema },
  responses: { 202: json(ForecastSpecRunSchema, "The series queued for fitting."), ...errorResponses },
});

export const registerV1ForecastsRun = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(
      await rpc.call<ForecastSpecRun>("aggregator", "forecasts.specs.run", { id }, callerOf(c)),
      202,
    );
  });
