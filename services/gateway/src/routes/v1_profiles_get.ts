/** @module `GET /api/v1/profiles/{id}`: one profile at its current version, from the registry. */
import { type StoredProfile, StoredProfileSchema } from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema, json } from "./openapi.js";

export type V1ProfilesGetResponse = StoredProfile;

export const route = createRoute({
  operationId: "profiles.get",
  tags: ["profiles"],
  method: "get",
  path: "/api/v1/profiles/{id}",
  summary: "Get a profile",
  request: { params: IdParamSchema },
  responses: { 200: json(StoredProfileSchema, "The profile."), ...errorResponses },
});

export const registerV1ProfilesGet = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await rpc.call<StoredProfile>("registry", "profiles.get", { id }, callerOf(c)), 200);
  });
