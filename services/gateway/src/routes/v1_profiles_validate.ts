/**
 * @module `POST /api/v1/profiles:validate`: checks a profile's YAML without saving it, by the
 * registry. The body is the YAML itself (`Content-Type: application/yaml`, `text/yaml` or
 * `text/plain`) or JSON `{yaml, file}`; another type is 415. A profile with problems is still a
 * successful check: the answer is 200 with `valid: false` and every problem with its line and
 * column; 400 is kept for a request that is not a check at all (no body).
 */
import {
  MAX_PROFILE_TEXT,
  type ValidateProfileRequest,
  ValidateProfileRequestSchema,
  type ValidateProfileResponse,
  ValidateProfileResponseSchema,
} from "@chartly/contracts";
import { AppError } from "@chartly/platform";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json } from "./openapi.js";

export type V1ProfilesValidateResponse = ValidateProfileResponse;

const YAML_TYPES = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"];
const yamlText = { schema: z.string().max(MAX_PROFILE_TEXT).openapi({ example: "id: worldbank-gdp\n..." }) };

export const route = createRoute({
  operationId: "profiles.validate",
  tags: ["profiles"],
  method: "post",
  path: "/api/v1/profiles:validate",
  summary: "Validate a profile",
  description:
    "Checks a profile's YAML as the registry would load it, without saving it. Problems name the line, column and field.",
  request: {
    body: {
      // Not `required`: the library would then check every body as JSON; a YAML body is read below.
      required: false,
      content: {
        ...Object.fromEntries(YAML_TYPES.map((type) => [type, yamlText])),
        "application/json": { schema: ValidateProfileRequestSchema },
      },
    },
  },
  responses: {
    200: json(ValidateProfileResponseSchema, "The result of the check: valid, or the problems found."),
    ...errorResponses,
  },
});

export const registerV1ProfilesValidate = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    let request: ValidateProfileRequest;
    if (type === "application/json") request = c.req.valid("json") as ValidateProfileRequest;
    else if (YAML_TYPES.includes(type)) request = { yaml: await c.req.text() };
    else {
      throw AppError.invalid(
        `Content-Type must be application/yaml, text/plain or application/json, got ${type || "none"}`,
        [
          {
            in: "header",
            pointer: "/content-type",
            message: "send the profile as YAML text, or as JSON {yaml}",
          },
        ],
      );
    }
    if (request.yaml.length > MAX_PROFILE_TEXT) {
      throw AppError.invalid(`the profile must be at most ${MAX_PROFILE_TEXT} characters`, [
        { in: "body", pointer: "/yaml", message: `at most ${MAX_PROFILE_TEXT} characters` },
      ]);
    }
    const result = await rpc.call<ValidateProfileResponse>(
      "registry",
      "profiles.validate",
      request,
      callerOf(c),
    );
    return c.json(result, 200);
  });
