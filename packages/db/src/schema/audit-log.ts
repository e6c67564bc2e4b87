/** @module The audit log: one row per write through the public API, whatever its outcome. */
import { sql } from "drizzle-orm";
import { bigint, index, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp("at", { withTimezone: true }).notNull().default(sql`now()`),
    tenantId: text("tenant_id").notNull(),
    /** Who: `key:<id>`, `jwt:<subject>`. */
    principal: text("principal").notNull(),
    /** What: the operation, e.g. `keys.create`. */
    action: text("action").notNull(),
    method: text("method").notNull(),
    /** The request path, naming the resource acted on. */
    target: text("target").notNull(),
    /** The HTTP status answered. */
    status: integer("status").notNull(),
    requestId: text("request_id").notNull(),
    ip: text("ip"),
  },
  (t) => [index("audit_log_tenant_idx").on(t.tenantId, t.at)],
);
