/** @module Profiles and every version of them the registry has seen. */
import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from "drizzle-orm/pg-core";

export const profiles = pgTable(
  "profiles",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    name: text("name").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    currentVersion: integer("current_version").notNull(),
    digest: text("digest").notNull(),
    /** File the profile was loaded from, relative to PROFILES_DIR. */
    sourcePath: text("source_path"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().default(sql`now()`),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

export const profileVersions = pgTable(
  "profile_versions",
  {
    tenantId: text("tenant_id").notNull(),
    profileId: text("profile_id").notNull(),
    version: integer("version").notNull(),
    /** sha256 of the YAML text: the same text is the same version. */
    digest: text("digest").notNull(),
    yaml: text("yaml").notNull(),
    spec: jsonb("spec").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.profileId, t.version] }),
    unique("profile_versions_digest_uq").on(t.tenantId, t.profileId, t.digest),
    index("profile_versions_profile_idx").on(t.tenantId, t.profileId),
  ],
);
