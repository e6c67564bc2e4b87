/** @module `GET /api/v1/runs`: the tenant's runs, newest first, from the coordinator. */
import { RUN_STATUSES, type Run, RunSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json, PageQuerySchema } from "./openapi.js";

const QuerySchema = PageQuerySchema.extend({
  profile: z.string().optional(),
  status: z.enum(RUN_STATUSES).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
});
const ResponseSchema = z.object({ items: z.array(RunSchema), total: z.number().int() });
export type V1RunsListResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "runs.list",
  tags: ["runs"],
  method: "get",
  path: "/api/v1/runs",
  summary: "List runs",
  request: { query: QuerySchema },
  responses: { 200: json(ResponseSchema, "A page of runs and the total."), ...errorResponses },
});

export const registerV1RunsList = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const page = await rpc.call<{ items: Run[]; total: number }>(
      "coordinator",
      "runs.list",
      query,
      callerOf(c),
    );
    return c.json(page, 200);
  });
