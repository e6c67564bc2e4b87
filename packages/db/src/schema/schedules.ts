/**
 * @module What operators changed about a profile's schedule: paused, or an override of the
 * profile's `schedule`. A row exists only for profiles someone changed; the coordinator reads it
 * on every tick, so a change reaches whichever replica leads and survives restarts.
 */
import { sql } from "drizzle-orm";
import { boolean, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export const profileSchedules = pgTable(
  "profile_schedules",
  {
    tenantId: text("tenant_id").notNull(),
    profileId: text("profile_id").notNull(),
    paused: boolean("paused").notNull().default(false),
    pausedAt: timestamp("paused_at", { withTimezone: true }),
    /** A schedule spec (`every`/`jitter` or `cron`/`timezone`, `maxAttempts`) used instead of the profile's. */
    override: jsonb("override"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().default(sql`now()`),
    /** The principal who made the last change. */
    updatedBy: text("updated_by"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.profileId] })],
);
