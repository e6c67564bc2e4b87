/** @module Runs: one execution of a profile for one schedule slot (or a manual trigger). */
import { sql } from "drizzle-orm";
import { bigint, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const runs = pgTable(
  "runs",
  {
    /** Derived from profile + slot for scheduled runs, so a slot has exactly one run. */
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    profileId: text("profile_id").notNull(),
    profileVersion: integer("profile_version"),
    slot: timestamp("slot", { withTimezone: true }),
    trigger: text("trigger").notNull(),
    status: text("status").notNull(),
    /** Attempts started so far (every delivery of the job to a drone is one). */
    attempt: integer("attempt").notNull().default(0),
    /** From the profile when the run was queued: a failed run with attempts left is retried. */
    maxAttempts: integer("max_attempts").notNull().default(3),
    /** When a `retrying` run's next attempt is queued. */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    droneId: text("drone_id"),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().default(sql`now()`),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    pages: integer("pages").notNull().default(0),
    bytes: bigint("bytes", { mode: "number" }).notNull().default(0),
    recordsOut: integer("records_out").notNull().default(0),
    /** Numeric points the aggregator received for this run (all attempts; re-deliveries count again). */
    recordsReceived: integer("records_received").notNull().default(0),
    recordsStored: integer("records_stored").notNull().default(0),
    recordsUpdated: integer("records_updated").notNull().default(0),
    skipped: jsonb("skipped"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    cursorIn: jsonb("cursor_in"),
    cursorOut: jsonb("cursor_out"),
  },
  (t) => [
    index("runs_profile_idx").on(t.tenantId, t.profileId, t.queuedAt),
    index("runs_status_idx").on(t.tenantId, t.status, t.queuedAt),
    // The coordinator's sweeps (decisions, due retries, lost drones) look only at open runs.
    index("runs_open_idx")
      .on(t.status, t.nextAttemptAt)
      .where(sql`status in ('queued', 'running', 'failed', 'retrying')`),
  ],
);
