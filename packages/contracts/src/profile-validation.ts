/**
 * @module Checking a profile before it is saved, and the profile language as JSON Schema. The
 * registry answers `profiles.validate` with these shapes; the gateway serves both as
 * `POST /api/v1/profiles:validate` and `GET /api/v1/profiles/schema`. The JSON Schema is made from
 * the same zod `ProfileSchema` that validates, so editors complete and check exactly what the
 * registry accepts (cross-field rules, such as a body needing POST, are checked only by validate).
 */
import { z } from "zod";
import { ProfileSchema } from "./profile.js";
import { parseProfile } from "./profile-yaml.js";

/** Largest profile text accepted for validation (a profile is a few kilobytes). */
export const MAX_PROFILE_TEXT = 256 * 1024;

export const ValidateProfileRequestSchema = z.object({
  /** The YAML text of one profile. */
  yaml: z.string().max(MAX_PROFILE_TEXT, `yaml must be at most ${MAX_PROFILE_TEXT} characters`),
  /** File name used in the problems (`profile.yaml` by default). */
  file: z.string().min(1).max(200).optional(),
});
export type ValidateProfileRequest = z.infer<typeof ValidateProfileRequestSchema>;

export const ProfileProblemSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  /** Dotted path of the field at fault; empty for the whole document (a YAML syntax error). */
  field: z.string(),
  message: z.string(),
});

export const ValidateProfileResponseSchema = z.object({
  valid: z.boolean(),
  /** Every problem found, in document order; empty when valid. */
  problems: z.array(ProfileProblemSchema),
  /** The profile's id and name when valid. */
  profile: z.object({ id: z.string(), name: z.string() }).optional(),
});
export type ValidateProfileResponse = z.infer<typeof ValidateProfileResponseSchema>;

/** A profile's text checked exactly as the registry checks a file, without saving anything. */
export function validateProfileText(yaml: string, file = "profile.yaml"): ValidateProfileResponse {
  const parsed = parseProfile(file, yaml);
  if (!parsed.ok) {
    const problems = [...parsed.problems].sort((a, b) => a.line - b.line || a.column - b.column);
    return { valid: false, problems };
  }
  return { valid: true, problems: [], profile: { id: parsed.profile.id, name: parsed.profile.name } };
}

let cached: Record<string, unknown> | undefined;

/** The profile language as a JSON Schema (draft 2020-12), describing what a profile file may hold. */
export function profileJsonSchema(): Record<string, unknown> {
  cached ??= {
    ...withoutCustomFormats(
      z.toJSONSchema(ProfileSchema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }),
    ),
    $id: "https://chartly.dev/schemas/profile.json",
    title: "Chartly profile",
  };
  return cached;
}

/** zod names its string checks as formats (`starts_with`) that JSON Schema does not define. */
const STANDARD_FORMATS = new Set(["date-time", "date", "time", "duration", "email", "uri", "uuid", "regex"]);

function withoutCustomFormats<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutCustomFormats) as T;
  if (node === null || typeof node !== "object") return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "format" && typeof value === "string" && !STANDARD_FORMATS.has(value)) continue;
    copy[key] = withoutCustomFormats(value);
  }
  return copy as T;
}
