/**
 * @module `GET /api/v1/series`: the tenant's series catalog, searched by profile, measure,
 * dimension (`dim.<name>=<value>`) and free text, from the aggregator.
 */
import { type Page, type Series, SeriesSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json, PageQuerySchema, pageOf } from "./openapi.js";

const KnownQuerySchema = PageQuerySchema.extend({
  profile: z.string().optional(),
  measure: z.string().optional(),
  q: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "Free text matched against profile, measure, unit and dimension values." }),
});
const QuerySchema = KnownQuerySchema.catchall(z.string())
  .superRefine((query, ctx) => {
    for (const key of Object.keys(query)) {
      if (key in KnownQuerySchema.shape || (key.startsWith("dim.") && key.length > 4)) continue;
      ctx.addIssue({ code: "custom", path: [key], message: "unknown parameter (dimensions are dim.<name>)" });
    }
  })
  .openapi({ description: "Also `dim.<name>=<value>` for each dimension value a series must have." });
const ResponseSchema = pageOf(SeriesSchema);
export type V1SeriesListResponse = Page<Series>;

export const route = createRoute({
  operationId: "series.list",
  tags: ["series"],
  method: "get",
  path: "/api/v1/series",
  summary: "Search the series catalog",
  request: { query: QuerySchema },
  responses: { 200: json(ResponseSchema, "A page of series."), ...errorResponses },
});

export const registerV1SeriesList = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    return c.json(await rpc.call<Page<Series>>("aggregator", "series.list", query, callerOf(c)), 200);
  });
