/** @module `POST /api/v1/keys`: a new managed API key for the admin's tenant, shown this once. */
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { RoleSchema } from "../auth/principal.js";
import { type Deps, principalOf, tenantOf } from "../context.js";
import { errorResponses, json } from "./openapi.js";

const BodySchema = z.object({
  name: z.string().min(1).max(100).openapi({ description: "What the key is for.", example: "ci uploads" }),
  roles: z.array(RoleSchema).min(1).max(6),
  expiresAt: z.iso
    .datetime({ offset: true })
    .refine((at) => Date.parse(at) > Date.now(), "must be in the future")
    .optional(),
});

export const KeySchema = z
  .object({
    id: z.string(),
    tenant: z.string(),
    name: z.string(),
    roles: z.array(RoleSchema),
    createdBy: z.string(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("ApiKey");
const ResponseSchema = KeySchema.extend({
  key: z.string().openapi({ description: "The key itself. It is not stored and cannot be shown again." }),
});
export type V1KeysCreateResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "keys.create",
  tags: ["keys"],
  method: "post",
  path: "/api/v1/keys",
  summary: "Create an API key",
  request: { body: { required: true, content: { "application/json": { schema: BodySchema } } } },
  responses: { 201: json(ResponseSchema, "The key, with its secret shown this once."), ...errorResponses },
});

export const registerV1KeysCreate = (app: App, { keys }: Deps) =>
  app.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const { key, record } = await keys.create({ ...body, tenant: tenantOf(c), createdBy: principalOf(c).id });
    c.header("cache-control", "no-store");
    return c.json({ ...record, key }, 201);
  });
