/**
 * @module `GET /api/v1/profiles/schema`: the profile language as JSON Schema (draft 2020-12), made
 * from the schema the registry validates with, for editors to complete and check profile YAML
 * (e.g. `# yaml-language-server: $schema=<gateway>/api/v1/profiles/schema`).
 */
import { profileJsonSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { errorResponses, json } from "./openapi.js";

export type V1ProfilesSchemaResponse = Record<string, unknown>;

export const route = createRoute({
  operationId: "profiles.schema",
  tags: ["profiles"],
  method: "get",
  path: "/api/v1/profiles/schema",
  summary: "The profile language as JSON Schema",
  responses: {
    200: json(z.record(z.string(), z.unknown()), "A JSON Schema (draft 2020-12) of a profile file."),
    ...errorResponses,
  },
});

export const registerV1ProfilesSchema = (app: App) =>
  app.openapi(route, (c) => {
    c.header("cache-control", "public, max-age=300");
    return c.json(profileJsonSchema(), 200);
  });
