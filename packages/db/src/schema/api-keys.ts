/**
 * @module Managed API keys: created by a tenant's admin, shown once, stored only as a hash.
 * A key reads `chk_<id>_<secret>`: the id finds the row, the secret's SHA-256 is compared in
 * constant time.
 */
import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    /** What the key is for, as its creator described it. */
    name: text("name").notNull(),
    roles: text("roles").array().notNull(),
    /** Hex SHA-256 of the secret part; the secret itself is never stored. */
    secretHash: text("secret_hash").notNull(),
    /** Principal that created the key. */
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().default(sql`now()`),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** Updated at most once a minute per key. */
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_tenant_idx").on(t.tenantId, t.createdAt)],
);
