/**
 * @module The profile: how a user tells Chartly about a data source.
 * Parsed from YAML by the registry, carried in every job, read by the drone.
 * Objects are strict so a misspelt field is an error, not silently ignored.
 */
import { z } from "zod";
import { parseDuration } from "./duration.js";

const duration = (what: string) =>
  z.string().refine((text) => parseDuration(text) !== undefined, {
    message: `${what} must be a duration such as 30s, 5m, 6h or 1d`,
  });

/** A dot path into a record (`indicator.id`, `values.0`), compiled once by the drone. */
const fieldPath = z.string().min(1, "a field path must not be empty");

export const ProfileIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,99}$/,
    "id must be lower-case letters, digits, '-' or '_' (at most 100), starting with a letter or digit",
  );

export const TIME_FORMATS = ["iso", "epoch_s", "epoch_ms", "yyyy", "yyyy-MM", "yyyy-MM-dd"] as const;

export const TimeSpecSchema = z.strictObject({
  field: fieldPath,
  format: z.enum(TIME_FORMATS).default("iso"),
  /** Zone of times written without one: `UTC` or a fixed offset such as `+02:00`. */
  timezone: z
    .string()
    .regex(/^(UTC|Z|[+-]\d{2}:\d{2})$/, "timezone must be UTC or an offset such as +02:00")
    .default("UTC"),
});

export const MeasureSpecSchema = z.union([
  fieldPath,
  z.strictObject({
    field: fieldPath,
    unit: z.string().optional(),
    /** Multiplies every value, e.g. 1000 when the source reports thousands. */
    scale: z.number().positive().optional(),
  }),
]);

export const SourceSpecSchema = z.strictObject({
  url: z.url({ message: "url must be an absolute http(s) URL" }),
  method: z.enum(["GET", "POST"]).default("GET"),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  headers: z.record(z.string(), z.string()).default({}),
  format: z.literal("json").default("json"),
  timeout: duration("timeout").default("30s"),
});

export const RecordsSpecSchema = z.strictObject({
  /** JSONPath to the list of records in the response (`$` when the body is the list). */
  path: z.string().startsWith("$", "path must be a JSONPath starting with $").default("$"),
  time: TimeSpecSchema,
  dims: z.record(z.string(), fieldPath).default({}),
  measures: z
    .record(z.string(), MeasureSpecSchema)
    .refine((m) => Object.keys(m).length > 0, "at least one measure is required"),
});

export const ScheduleSpecSchema = z.strictObject({
  every: duration("every"),
  jitter: duration("jitter").optional(),
});

export const ProfileSchema = z.strictObject({
  id: ProfileIdSchema,
  name: z.string().min(1),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  schedule: ScheduleSpecSchema,
  source: SourceSpecSchema,
  records: RecordsSpecSchema,
});

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;
export type SourceSpec = Profile["source"];
export type RecordsSpec = Profile["records"];
export type TimeSpec = z.infer<typeof TimeSpecSchema>;
export type MeasureSpec = z.infer<typeof MeasureSpecSchema>;

/** A stored profile as the registry serves it. */
export const StoredProfileSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  version: z.number().int(),
  digest: z.string(),
  source: z.string(),
  spec: ProfileSchema,
  updatedAt: z.string(),
});
export type StoredProfile = z.infer<typeof StoredProfileSchema>;
