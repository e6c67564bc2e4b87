/** @module `GET /api/v1/profiles`: the tenant's profiles, from the registry. */
import { type StoredProfile, StoredProfileSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json } from "./openapi.js";

const ResponseSchema = z.object({ items: z.array(StoredProfileSchema) });
export type V1ProfilesListResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "profiles.list",
  tags: ["profiles"],
  method: "get",
  path: "/api/v1/profiles",
  summary: "List the profiles",
  responses: {
    200: json(ResponseSchema, "The tenant's profiles, each at its current version."),
    ...errorResponses,
  },
});

export const registerV1ProfilesList = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const items = await rpc.call<StoredProfile[]>("registry", "profiles.list", {}, callerOf(c));
    return c.json({ items }, 200);
  });
