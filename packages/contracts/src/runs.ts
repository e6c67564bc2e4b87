/** @module Jobs, runs and the events that move a run through its life. */
import { z } from "zod";
import { ProfileSchema } from "./profile.js";

/**
 * `failed` is an attempt's outcome until the coordinator decides: `retrying` (another attempt
 * after a backoff) or `dead` (no attempts left, or the job kept losing its drone).
 */
export const RUN_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "partial",
  "failed",
  "retrying",
  "dead",
] as const;
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
  /**
   * Number of the first attempt this message carries (1 when absent). Every delivery is an
   * attempt, so a drone reports `attempt + deliveryCount - 1`; a retry is a new message.
   */
  attempt: z.number().int().positive().optional(),
  /** The profile's stored incremental cursor (canonical text), absent before the first is stored. */
  cursor: z.string().optional(),
  spec: ProfileSchema,
});
export type Job = z.infer<typeof JobSchema>;

/** The attempt a delivery of a job is: redeliveries after a lost lease count as attempts. */
export const attemptOf = (job: Pick<Job, "attempt">, deliveryCount: number): number =>
  (job.attempt ?? 1) + Math.max(1, deliveryCount) - 1;

/** An incremental cursor's high-water mark: an ISO 8601 instant or a decimal number, as text. */
export const CursorValueSchema = z.object({ kind: z.enum(["date", "number"]), value: z.string().min(1) });
export type CursorValue = z.infer<typeof CursorValueSchema>;

export const RunStatsSchema = z.object({
  pages: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  recordsOut: z.number().int().nonnegative(),
  /** Records the drone skipped, by reason (e.g. `time unparseable`); each skipped record once. */
  skipped: z.record(z.string(), z.number().int()).default({}),
  /** Null measure values of records that were kept, by reason (e.g. `value missing marker`). */
  nulls: z.record(z.string(), z.number().int()).optional(),
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

const RunErrorSchema = z.object({ code: z.string(), message: z.string() });

/** Why a run (re-)entered the queue. */
export const QUEUE_REASONS = ["schedule", "manual", "retry", "drone_lost"] as const;

/**
 * A run's life on `EVENTS` (`chartly.events.run.<id>`). Drones publish `started` and `finished`;
 * the coordinator publishes `queued`, `retrying` and `dead`. `attempt` fences them: a late event
 * of an older attempt never overwrites a newer one.
 */
export const RunEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("run.queued"),
    runId: z.string(),
    tenant: z.string(),
    profileId: z.string(),
    /** The attempt that runs next. */
    attempt: z.number().int().positive(),
    at: z.iso.datetime(),
    reason: z.enum(QUEUE_REASONS),
    /** The drone that was lost, for `drone_lost`. */
    droneId: z.string().optional(),
  }),
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
    error: RunErrorSchema.optional(),
    /** The highest incremental cursor among the records published; stored when the run succeeded. */
    cursor: CursorValueSchema.optional(),
  }),
  z.object({
    type: z.literal("run.retrying"),
    runId: z.string(),
    tenant: z.string(),
    profileId: z.string(),
    /** The attempt that failed. */
    attempt: z.number().int().positive(),
    at: z.iso.datetime(),
    retryAt: z.iso.datetime(),
    error: RunErrorSchema,
  }),
  z.object({
    type: z.literal("run.dead"),
    runId: z.string(),
    tenant: z.string(),
    profileId: z.string(),
    /** The last attempt. */
    attempt: z.number().int().nonnegative(),
    at: z.iso.datetime(),
    error: RunErrorSchema,
  }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;

/** `Nats-Msg-Id` of a run event: the same change published twice is stored once. */
export const runEventMessageId = (event: RunEvent): string =>
  event.type === "run.queued"
    ? `${event.runId}:${event.attempt}:${event.type}:${event.reason}`
    : `${event.runId}:${event.attempt}:${event.type}`;

export const RunSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  profileId: z.string(),
  profileVersion: z.number().int().nullable(),
  slot: z.string().nullable(),
  trigger: z.string(),
  status: z.enum(RUN_STATUSES),
  /** Attempts started so far. */
  attempt: z.number().int(),
  maxAttempts: z.number().int(),
  /** When a `retrying` run's next attempt is queued. */
  nextAttemptAt: z.string().nullable(),
  droneId: z.string().nullable(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  pages: z.number().int(),
  bytes: z.number().int(),
  recordsOut: z.number().int(),
  /** Points the aggregator received for the run, stored or not. */
  recordsReceived: z.number().int(),
  recordsStored: z.number().int(),
  recordsUpdated: z.number().int(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
});
export type Run = z.infer<typeof RunSchema>;
