/**
 * @module `GET /api/v1/series/{id}/observations`: a series' points, raw, resampled into buckets or
 * downsampled for charts, from the aggregator; CSV with `format=csv`.
 */
import {
  type Observation,
  ObservationSchema,
  ObservationsQuerySchema,
  type Series,
  SeriesSchema,
} from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses } from "./openapi.js";
import { SeriesIdParamSchema } from "./v1_series_get.js";

// The service checks the cross-field rules (interval or maxPoints, from before to).
const { seriesId: _, ...queryShape } = ObservationsQuerySchema.shape;
const QuerySchema = z.object({ ...queryShape, format: z.enum(["json", "csv"]).default("json") });
const ResponseSchema = z.object({ series: SeriesSchema, items: z.array(ObservationSchema) });
export type V1SeriesObservationsResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "series.observations",
  tags: ["series"],
  method: "get",
  path: "/api/v1/series/{id}/observations",
  summary: "Read a series' observations",
  request: { params: SeriesIdParamSchema, query: QuerySchema },
  responses: {
    200: {
      description: "The series and its points (or `ts,value` CSV with format=csv).",
      content: {
        "application/json": { schema: ResponseSchema },
        "text/csv": { schema: z.string() },
      },
    },
    ...errorResponses,
  },
});

/** A CSV field, quoted when it needs to be (RFC 4180). */
const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

export function toCsv(items: Observation[]): string {
  const lines = ["ts,value"];
  for (const item of items) lines.push(`${item.ts},${item.value ?? ""}`);
  return `${lines.join("\n")}\n`;
}

export const registerV1SeriesObservations = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const { format, ...query } = c.req.valid("query");
    const result = await rpc.call<{ series: Series; items: Observation[] }>(
      "aggregator",
      "series.observations",
      { ...query, seriesId: id },
      callerOf(c),
      30_000,
    );
    if (format === "csv") {
      return c.body(toCsv(result.items), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename=${csvField(`series-${result.series.id}.csv`)}`,
      });
    }
    return c.json(result, 200);
  });
