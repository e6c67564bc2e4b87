/** @module `GET /api/v1/records`: records without measures, by profile, key and time, from the aggregator. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json } from "./openapi.js";

const QuerySchema = z.object({
  profile: z.string().optional(),
  key: z.string().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
const RecordSchema = z.object({
  profileId: z.string(),
  key: z.string(),
  time: z.string(),
  data: z.unknown(),
  runId: z.string().nullable(),
});
const ResponseSchema = z.object({
  items: z.array(RecordSchema),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type V1RecordsListResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "records.list",
  tags: ["records"],
  method: "get",
  path: "/api/v1/records",
  summary: "List records",
  request: { query: QuerySchema },
  responses: { 200: json(ResponseSchema, "A page of records, oldest first."), ...errorResponses },
});

export const registerV1RecordsList = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    return c.json(
      await rpc.call<V1RecordsListResponse>("aggregator", "records.list", query, callerOf(c)),
      200,
    );
  });
