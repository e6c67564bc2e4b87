/** @module Jobs, runs and the events that move a run through its life. */
import { z } from "zod";
import { ProfileSchema } from "./profile.js";

export const RUN_STATUSES = ["queued", "running", "succeeded", "partial", "failed", "dead"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const TRIGGERS = ["schedule", "manual"] as const;

/** One message on `JOBS`: everything a drone needs to run a profile once. */
export const JobSchema = z.object({
  runId: z.string(),
  tenant: z.string(),
  profileId: z.string(),
  profileVersion: z.number().int(),
  slot: z.iso.datetime(),
  trigger: z.enum(TRIGGERS),
  spec: ProfileSchema,
});
export type Job = z.infer<typeof JobSchema>;

export const RunStatsSchema = z.object({
  pages: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  recordsOut: z.number().int().nonnegative(),
  /** Records the drone skipped, by reason (e.g. `time unparseable`). */
  skipped: z.record(z.string(), z.number().int()).default({}),
  /** HTTP requests made, retries and token requests included. */
  requests: z.number().int().nonnegative().optional(),
  /** Requests repeated after a network error, a timeout, HTTP 408, 429 or 5xx. */
  retries: z.number().int().nonnegative().optional(),
  /** Records read from the source, before filtering and skipping. */
  recordsIn: z.number().int().nonnegative().optional(),
  /** Why each paged request sequence ended, by reason (e.g. `short page`, `cursor absent`). */
  pageStops: z.record(z.string(), z.number().int()).optional(),
  durationMs: z.number().int().nonnegative().optional(),
});
export type RunStats = z.infer<typeof RunStatsSchema>;

export const RunEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("run.started"),
    runId: z.string(),
    tenant: z.string(),
    profileId: z.string(),
    droneId: z.string(),
    attempt: z.number().int().positive(),
    at: z.iso.datetime(),
  }),
  z.object({
    type: z.literal("run.finished"),
    runId: z.string(),
    tenant: z.string(),
    profileId: z.string(),
    droneId: z.string(),
    attempt: z.number().int().positive(),
    at: z.iso.datetime(),
    status: z.enum(["succeeded", "partial", "failed"]),
    stats: RunStatsSchema,
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;

export const RunSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  profileId: z.string(),
  profileVersion: z.number().int().nullable(),
  slot: z.string().nullable(),
  trigger: z.string(),
  status: z.enum(RUN_STATUSES),
  attempt: z.number().int(),
  droneId: z.string().nullable(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  pages: z.number().int(),
  bytes: z.number().int(),
  recordsOut: z.number().int(),
  recordsStored: z.number().int(),
  recordsUpdated: z.number().int(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
});
export type Run = z.infer<typeof RunSchema>;
