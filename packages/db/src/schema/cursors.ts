/**
 * @module Incremental cursors: per profile, the high-water mark of the last succeeded run, passed
 * to the next job as `${cursor}`. Written from a `run.finished` event only when it is the run's
 * current attempt and only forwards: `position` (epoch milliseconds for dates, the number itself
 * for numbers) is what is compared, never the text.
 */
import { sql } from "drizzle-orm";
import { integer, numeric, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export const cursors = pgTable(
  "cursors",
  {
    tenantId: text("tenant_id").notNull(),
    profileId: text("profile_id").notNull(),
    /** `date` or `number`: how `value` is read. A profile changing its type starts afresh. */
    kind: text("kind").notNull(),
    /** Canonical text: an ISO 8601 instant or a decimal number. */
    value: text("value").notNull(),
    position: numeric("position").notNull(),
    runId: text("run_id").notNull(),
    attempt: integer("attempt").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.profileId] })],
);
