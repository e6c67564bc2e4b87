/** @module `DELETE /api/v1/keys/{id}`: revoke one of the tenant's managed API keys. */
import { AppError } from "@chartly/platform";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { type Deps, tenantOf } from "../context.js";
import { errorResponses, IdParamSchema } from "./openapi.js";

export const route = createRoute({
  operationId: "keys.revoke",
  tags: ["keys"],
  method: "delete",
  path: "/api/v1/keys/{id}",
  summary: "Revoke an API key",
  request: { params: IdParamSchema },
  responses: { 204: { description: "Revoked: the key no longer authenticates." }, ...errorResponses },
});

export const registerV1KeysRevoke = (app: App, { keys }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    if (!(await keys.revoke(tenantOf(c), id))) throw AppError.notFound(`key ${id}`);
    return c.body(null, 204);
  });
