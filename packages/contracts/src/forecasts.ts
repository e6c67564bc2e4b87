/**
 * @module Forecasting over the API and NATS: on-demand requests, specs (what to forecast, how
 * and when), stored runs with their points, and the job a spec's slot puts on `FORECASTS`.
 */
import { z } from "zod";
import { PageQuerySchema } from "./api.js";
import { parseDuration } from "./duration.js";

/** `auto` and the models of `packages/forecast` (kept equal to its MODEL_NAMES by a test). */
export const FORECAST_MODELS = [
  "auto",
  "naive",
  "snaive",
  "naive2",
  "ses",
  "holt",
  "damped",
  "theta",
  "comb",
  "seasonal-mean",
  "autoets",
  "mstl",
  "mstl-log",
  "ensemble",
] as const;
export type ForecastModel = (typeof FORECAST_MODELS)[number];

export const MAX_FORECAST_HORIZON = 2_000;

/**
 * The longest an on-demand forecast may fit before the aggregator stops it; the gateway waits a
 * little longer for the answer, so the caller gets the aggregator's clear error, not a timeout.
 */
export const FORECAST_REQUEST_DEADLINE_MS = 30_000;

const model = z.enum(FORECAST_MODELS, {
  error: `model must be one of ${FORECAST_MODELS.join(", ")}`,
});
const horizon = z
  .number({ error: "horizon must be a number of steps" })
  .int("horizon must be a whole number of steps")
  .min(1, "horizon must be at least 1 step")
  .max(MAX_FORECAST_HORIZON, `horizon may be at most ${MAX_FORECAST_HORIZON} steps`);
const levels = z
  .array(
    z
      .number({ error: "each level must be a percentage" })
      .gt(0, "each level must be above 0")
      .lt(100, "each level must be below 100"),
  )
  .max(5, "at most 5 levels")
  .refine((l) => new Set(l).size === l.length, "levels must differ");

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

/** When a spec runs: `every` (a duration, at least a minute) or `cron` with an optional `timezone`. */
export const ForecastScheduleSchema = z
  .strictObject({
    every: z
      .string()
      .refine(
        (t) => (parseDuration(t) ?? 0) >= 60_000,
        "every must be a duration of at least 1m, such as 1h or 1d",
      )
      .optional(),
    cron: z.string().trim().min(1, "cron must be an expression such as 0 6 * * *").optional(),
    timezone: z
      .string()
      .refine(isTimeZone, "timezone must be an IANA time zone such as Europe/Paris or UTC")
      .optional(),
  })
  .refine((s) => (s.every === undefined) !== (s.cron === undefined), {
    message: "schedule needs exactly one of every or cron",
  })
  .refine((s) => s.timezone === undefined || s.cron !== undefined, {
    message: "timezone applies to cron schedules only",
    path: ["timezone"],
  });
export type ForecastSchedule = z.infer<typeof ForecastScheduleSchema>;

/** Every series of a profile (and measure) whose dimensions include `dims`. */
export const ForecastSelectorSchema = z.strictObject({
  profile: z.string().min(1, "selector.profile must name a profile"),
  measure: z.string().min(1).optional(),
  dims: z.record(z.string(), z.string()).default({}),
});
export type ForecastSelector = z.infer<typeof ForecastSelectorSchema>;

/** `POST /api/v1/series/:id/forecast`. */
export const ForecastRequestSchema = z.strictObject({
  horizon,
  model: model.default("auto"),
  levels: levels.default([80, 95]),
});
export type ForecastRequest = z.infer<typeof ForecastRequestSchema>;

const specFields = {
  name: z.string().min(1).max(200).optional(),
  model: model.default("auto"),
  horizon,
  levels: levels.default([80, 95]),
  schedule: ForecastScheduleSchema.optional(),
  enabled: z.boolean().default(true),
};

export const ForecastSpecCreateSchema = z
  .strictObject({
    ...specFields,
    seriesId: z.number().int().positive().optional(),
    selector: ForecastSelectorSchema.optional(),
  })
  .refine((s) => (s.seriesId === undefined) !== (s.selector === undefined), {
    message: "a spec forecasts either one series (seriesId) or a selector, exactly one of them",
    path: ["seriesId"],
  });
export type ForecastSpecCreate = z.infer<typeof ForecastSpecCreateSchema>;

/** A spec's settings replaced whole (`PUT`): what is left out takes its default. */
export const ForecastSpecPutSchema = z.strictObject(specFields);
export type ForecastSpecPut = z.infer<typeof ForecastSpecPutSchema>;

/** A change to a spec: the fields given replace the stored ones; `schedule: null` removes it. */
export const ForecastSpecPatchSchema = z.strictObject({
  name: z.string().min(1).max(200).nullable().optional(),
  model: model.optional(),
  horizon: horizon.optional(),
  levels: levels.optional(),
  schedule: ForecastScheduleSchema.nullable().optional(),
  enabled: z.boolean().optional(),
});
export type ForecastSpecPatch = z.infer<typeof ForecastSpecPatchSchema>;

export const ForecastSpecSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  seriesId: z.number().int().nullable(),
  selector: ForecastSelectorSchema.nullable(),
  model: z.enum(FORECAST_MODELS),
  horizon: z.number().int(),
  levels: z.array(z.number()),
  schedule: ForecastScheduleSchema.nullable(),
  enabled: z.boolean(),
  /** The latest schedule slot queued. */
  lastSlot: z.string().nullable(),
  /** The next slot the schedule will queue (none when disabled or unscheduled). */
  nextSlot: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string().nullable(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});
export type ForecastSpec = z.infer<typeof ForecastSpecSchema>;

export const FORECAST_RUN_STATUSES = ["queued", "running", "succeeded", "failed", "skipped"] as const;
export type ForecastRunStatus = (typeof FORECAST_RUN_STATUSES)[number];

export const ForecastPointSchema = z.object({
  ts: z.string(),
  value: z.number(),
  /** Bounds per level, keyed by the level (`"80"`, `"95"`). */
  intervals: z.record(z.string(), z.object({ lower: z.number(), upper: z.number() })),
});
export type ForecastPoint = z.infer<typeof ForecastPointSchema>;

export const ForecastRunSchema = z.object({
  id: z.number().int(),
  specId: z.string().nullable(),
  seriesId: z.number().int(),
  trigger: z.enum(["request", "schedule", "manual"]),
  slot: z.string().nullable(),
  status: z.enum(FORECAST_RUN_STATUSES),
  requestedModel: z.string(),
  /** The model that produced the points (`auto` names a backtest-weighted combination). */
  model: z.string().nullable(),
  params: z.record(z.string(), z.unknown()).nullable(),
  horizon: z.number().int(),
  levels: z.array(z.number()),
  period: z.number().int().nullable(),
  frequency: z.string().nullable(),
  trainFrom: z.string().nullable(),
  trainTo: z.string().nullable(),
  trainPoints: z.number().int().nullable(),
  /** Rolling-origin backtest: windows, step, horizon, metrics (MAE, RMSE, sMAPE, MASE), candidates. */
  backtest: z.record(z.string(), z.unknown()).nullable(),
  notes: z.array(z.string()),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** 1, 2, 3 … over the series' succeeded runs. */
  version: z.number().int().nullable(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  fitMs: z.number().int().nullable(),
  points: z.array(ForecastPointSchema).optional(),
});
export type ForecastRun = z.infer<typeof ForecastRunSchema>;

export const ForecastRunsQuerySchema = PageQuerySchema.extend({
  seriesId: z.coerce.number().int().positive(),
  status: z.enum(FORECAST_RUN_STATUSES).optional(),
  /** Only the runs of this spec. */
  specId: z.string().min(1).optional(),
});
export type ForecastRunsQuery = z.infer<typeof ForecastRunsQuerySchema>;

/** A series' forecasts: its latest succeeded run with points, and the history, newest first. */
export const SeriesForecastsSchema = z.object({
  latest: ForecastRunSchema.nullable(),
  items: z.array(ForecastRunSchema),
  limit: z.number().int(),
  offset: z.number().int(),
  total: z.number().int(),
});
export type SeriesForecasts = z.infer<typeof SeriesForecastsSchema>;

export const ForecastSpecsQuerySchema = PageQuerySchema.extend({
  seriesId: z.coerce.number().int().positive().optional(),
  enabled: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
});
export type ForecastSpecsQuery = z.infer<typeof ForecastSpecsQuerySchema>;

/** One fit of one series for one spec, queued on `chartly.forecasts.<tenant>`. */
export const ForecastJobSchema = z.object({
  tenant: z.string().min(1),
  specId: z.string().min(1),
  seriesId: z.number().int().positive(),
  trigger: z.enum(["schedule", "manual"]),
  slot: z.iso.datetime({ offset: true }),
});
export type ForecastJob = z.infer<typeof ForecastJobSchema>;

/** A spec's run now: the runs queued, one per series. */
export const ForecastSpecRunSchema = z.object({
  specId: z.string(),
  slot: z.string(),
  seriesIds: z.array(z.number().int()),
});
export type ForecastSpecRun = z.infer<typeof ForecastSpecRunSchema>;
