/** @module Series (profile, measure, dims) and their numeric observations. */
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";

export const series = pgTable(
  "series",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: text("tenant_id").notNull(),
    profileId: text("profile_id").notNull(),
    measure: text("measure").notNull(),
    dims: jsonb("dims").notNull(),
    /** Dims as sorted `name=value` pairs: the identity of a series within a profile and measure. */
    dimsKey: text("dims_key").notNull(),
    unit: text("unit"),
    firstTs: timestamp("first_ts", { withTimezone: true }),
    lastTs: timestamp("last_ts", { withTimezone: true }),
    obsCount: bigint("obs_count", { mode: "number" }).notNull().default(0),
    /** Earliest point written since the hourly rollups were last refreshed; null when they are current. */
    rollupFrom: timestamp("rollup_from", { withTimezone: true }),
    /**
     * Whether hourly rollups are kept: only once the series holds more than two points an hour
     * on average; for sparser series they would be as large as the points they summarise.
     */
    rollups: boolean("rollups").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    unique("series_identity_uq").on(t.tenantId, t.profileId, t.measure, t.dimsKey),
    index("series_dims_idx").using("gin", t.dims),
    index("series_rollup_pending_idx").on(t.rollupFrom).where(sql`rollup_from is not null`),
  ],
);

export const observations = pgTable(
  "observations",
  {
    seriesId: bigint("series_id", { mode: "number" })
      .notNull()
      .references(() => series.id, { onDelete: "cascade" }),
    ts: timestamp("ts", { withTimezone: true }).notNull(),
    value: doublePrecision("value"),
    runId: text("run_id"),
    ingestedAt: timestamp("ingested_at", { withTimezone: true }).notNull().default(sql`now()`),
    /** How many times the source revised this point. */
    revisions: integer("revisions").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.ts] })],
);

/** Non-numeric records, idempotent on their natural key. */
export const records = pgTable(
  "records",
  {
    tenantId: text("tenant_id").notNull(),
    profileId: text("profile_id").notNull(),
    key: text("key").notNull(),
    ts: timestamp("ts", { withTimezone: true }).notNull(),
    data: jsonb("data").notNull(),
    runId: text("run_id"),
    ingestedAt: timestamp("ingested_at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.profileId, t.key] }),
    index("records_ts_idx").on(t.tenantId, t.profileId, t.ts),
  ],
);

/**
 * Hourly summaries of each series, refreshed behind ingest, so that resampling a long series into
 * buckets of whole hours reads one row per hour instead of every point.
 */
export const observationRollups = pgTable(
  "observation_rollups",
  {
    seriesId: bigint("series_id", { mode: "number" })
      .notNull()
      .references(() => series.id, { onDelete: "cascade" }),
    /** Start of the UTC hour. */
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    n: integer("n").notNull(),
    total: doublePrecision("total"),
    lo: doublePrecision("lo"),
    hi: doublePrecision("hi"),
    firstTs: timestamp("first_ts", { withTimezone: true }).notNull(),
    firstValue: doublePrecision("first_value"),
    lastTs: timestamp("last_ts", { withTimezone: true }).notNull(),
    lastValue: doublePrecision("last_value"),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.bucket] })],
);
