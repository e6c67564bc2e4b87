/** @module Applies the versioned SQL migrations in `migrations/`; safe to run concurrently. */
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type { Database } from "./client.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url));

export async function runMigrations(database: Database): Promise<void> {
  // An advisory lock serialises replicas that start together.
  await database.sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(7358201)`;
    await migrate(database.db, { migrationsFolder: MIGRATIONS_DIR });
  });
}
