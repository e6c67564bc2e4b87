/** @module Messages that could never be applied, kept with the reason so they can be inspected. */
import { sql } from "drizzle-orm";
import { bigint, index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const deadLetters = pgTable(
  "dead_letters",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    /** Tenant taken from the subject, when it names one. */
    tenantId: text("tenant_id"),
    stream: text("stream").notNull(),
    subject: text("subject").notNull(),
    streamSeq: bigint("stream_seq", { mode: "number" }).notNull(),
    reason: text("reason").notNull(),
    /** The start of the message (at most 64 KiB). */
    payload: text("payload").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [index("dead_letters_tenant_idx").on(t.tenantId, t.receivedAt)],
);
