/** @module `GET /api/v1/series/{id}`: one series with its inferred frequency, from the aggregator. */
import { type Series, SeriesSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json } from "./openapi.js";

export const SeriesIdParamSchema = z.object({ id: z.coerce.number().int().positive() });
export type V1SeriesGetResponse = Series;

export const route = createRoute({
  operationId: "series.get",
  tags: ["series"],
  method: "get",
  path: "/api/v1/series/{id}",
  summary: "Get a series",
  request: { params: SeriesIdParamSchema },
  responses: { 200: json(SeriesSchema, "The series."), ...errorResponses },
});

export const registerV1SeriesGet = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await rpc.call<Series>("aggregator", "series.get", { id }, callerOf(c)), 200);
  });
