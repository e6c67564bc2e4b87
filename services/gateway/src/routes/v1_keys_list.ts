/** @module `GET /api/v1/keys`: the tenant's managed API keys, without their secrets. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { type Deps, tenantOf } from "../context.js";
import { errorResponses, json } from "./openapi.js";
import { KeySchema } from "./v1_keys_create.js";

const QuerySchema = z.object({
  includeRevoked: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
});
const ResponseSchema = z.object({ items: z.array(KeySchema) });
export type V1KeysListResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "keys.list",
  tags: ["keys"],
  method: "get",
  path: "/api/v1/keys",
  summary: "List API keys",
  request: { query: QuerySchema },
  responses: { 200: json(ResponseSchema, "The tenant's keys, newest first."), ...errorResponses },
});

export const registerV1KeysList = (app: App, { keys }: Deps) =>
  app.openapi(route, async (c) => {
    const { includeRevoked } = c.req.valid("query");
    return c.json({ items: await keys.list(tenantOf(c), { includeRevoked }) }, 200);
  });
