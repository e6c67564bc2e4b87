/**
 * @module Forecasting: specs (what to forecast, how, and when), runs (every fit, stored and
 * versioned per series) and the points each successful run predicted.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { series } from "./series.js";

export const forecastSpecs = pgTable(
  "forecast_specs",
  {
    /** Chosen by the aggregator (a UUID). */
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name"),
    /** One series, or else `selector`. */
    seriesId: bigint("series_id", { mode: "number" }).references(() => series.id, { onDelete: "cascade" }),
    /** `{profile, measure?, dims}`: every series of a profile (and measure) whose dims contain `dims`. */
    selector: jsonb("selector"),
    model: text("model").notNull().default("auto"),
    horizon: integer("horizon").notNull(),
    /** Prediction interval levels in percent. */
    levels: jsonb("levels").notNull().default(sql`'[80,95]'::jsonb`),
    /** `{every}` or `{cron, timezone}`; null for specs run only on request. */
    schedule: jsonb("schedule"),
    enabled: boolean("enabled").notNull().default(true),
    /** The latest schedule slot queued, so a slot is queued once across replicas and restarts. */
    lastSlot: timestamp("last_slot", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().default(sql`now()`),
    createdBy: text("created_by"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().default(sql`now()`),
    updatedBy: text("updated_by"),
  },
  (t) => [
    index("forecast_specs_tenant_idx").on(t.tenantId, t.createdAt),
    index("forecast_specs_scheduled_idx").on(t.enabled).where(sql`schedule is not null`),
    check("forecast_specs_target_ck", sql`(series_id is null) <> (selector is null)`),
  ],
);

export const forecastRuns = pgTable(
  "forecast_runs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: text("tenant_id").notNull(),
    /** Null for on-demand forecasts. */
    specId: text("spec_id").references(() => forecastSpecs.id, { onDelete: "set null" }),
    seriesId: bigint("series_id", { mode: "number" })
      .notNull()
      .references(() => series.id, { onDelete: "cascade" }),
    /** `request` (on demand), `schedule` or `manual` (a spec run now). */
    trigger: text("trigger").notNull(),
    /** The schedule slot (or the moment a spec was run now): with spec and series, the job's identity. */
    slot: timestamp("slot", { withTimezone: true }),
    /** queued, running, succeeded, failed, skipped. */
    status: text("status").notNull(),
    /** The model asked for (`auto` or a name) and the one that produced the points. */
    requestedModel: text("requested_model").notNull(),
    model: text("model"),
    params: jsonb("params"),
    horizon: integer("horizon").notNull(),
    levels: jsonb("levels").notNull(),
    /** Seasonal period used, and the frequency inferred from the timestamps. */
    period: integer("period"),
    frequency: text("frequency"),
    trainFrom: timestamp("train_from", { withTimezone: true }),
    trainTo: timestamp("train_to", { withTimezone: true }),
    trainPoints: integer("train_points"),
    /** Rolling-origin backtest: windows, step, horizon, metrics, candidates. */
    backtest: jsonb("backtest"),
    /** What was done to the data, in plain words. */
    notes: jsonb("notes"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    /** Per series, 1, 2, 3 … over its succeeded runs. */
    version: integer("version"),
    /** Identifies the training data (range, count, latest write); equal markers mean nothing new arrived. */
    dataMarker: text("data_marker"),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().default(sql`now()`),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    fitMs: integer("fit_ms"),
    /** Which aggregator replica fitted it. */
    instance: text("instance"),
  },
  (t) => [
    index("forecast_runs_series_idx").on(t.tenantId, t.seriesId, t.id),
    index("forecast_runs_spec_idx").on(t.specId, t.seriesId, t.id),
    uniqueIndex("forecast_runs_slot_uq").on(t.specId, t.seriesId, t.slot),
    uniqueIndex("forecast_runs_version_uq").on(t.seriesId, t.version),
  ],
);

export const forecastPoints = pgTable(
  "forecast_points",
  {
    runId: bigint("run_id", { mode: "number" })
      .notNull()
      .references(() => forecastRuns.id, { onDelete: "cascade" }),
    /** 1 … horizon. */
    step: integer("step").notNull(),
    ts: timestamp("ts", { withTimezone: true }).notNull(),
    value: doublePrecision("value").notNull(),
    /** Bounds per level, in the order of the run's `levels`. */
    lower: doublePrecision("lower").array().notNull(),
    upper: doublePrecision("upper").array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.step] })],
);
