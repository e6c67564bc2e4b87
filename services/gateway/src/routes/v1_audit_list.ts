/** @module `GET /api/v1/audit`: the tenant's audit log, newest first, for admins. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { type Deps, tenantOf } from "../context.js";
import { errorResponses, json, PageQuerySchema } from "./openapi.js";

const QuerySchema = PageQuerySchema.extend({
  principal: z.string().optional().openapi({ description: "Only this principal, e.g. `key:ci`." }),
  action: z.string().optional().openapi({ description: "Only this operation, e.g. `keys.create`." }),
  since: z.iso.datetime({ offset: true }).optional(),
});
const EntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    tenant: z.string(),
    principal: z.string(),
    action: z.string(),
    method: z.string(),
    target: z.string(),
    status: z.number().int(),
    requestId: z.string(),
    ip: z.string().nullable(),
  })
  .openapi("AuditEntry");
const ResponseSchema = z.object({ items: z.array(EntrySchema), total: z.number().int() });
export type V1AuditListResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "audit.list",
  tags: ["audit"],
  method: "get",
  path: "/api/v1/audit",
  summary: "Read the audit log",
  request: { query: QuerySchema },
  responses: { 200: json(ResponseSchema, "A page of audit entries and the total."), ...errorResponses },
});

export const registerV1AuditList = (app: App, { audit }: Deps) =>
  app.openapi(route, async (c) => c.json(await audit.list(tenantOf(c), c.req.valid("query")), 200));
