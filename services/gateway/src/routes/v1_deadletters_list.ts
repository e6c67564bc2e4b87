/** @module `GET /api/v1/deadletters`: record batches that could not be applied, with the reason. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json, PageQuerySchema } from "./openapi.js";

const DeadLetterSchema = z.object({
  id: z.number().int(),
  subject: z.string(),
  streamSeq: z.number().int(),
  reason: z.string(),
  payload: z.string(),
  receivedAt: z.string(),
});
const ResponseSchema = z.object({
  items: z.array(DeadLetterSchema),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type V1DeadLettersListResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "deadletters.list",
  tags: ["records"],
  method: "get",
  path: "/api/v1/deadletters",
  summary: "List dead letters",
  request: { query: PageQuerySchema },
  responses: { 200: json(ResponseSchema, "A page of dead letters, newest first."), ...errorResponses },
});

export const registerV1DeadLettersList = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    return c.json(
      await rpc.call<V1DeadLettersListResponse>("aggregator", "deadletters.list", query, callerOf(c)),
      200,
    );
  });
