/** @module Applies the versioned SQL migrations in `migrations/`; safe to run concurrently. */
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Database } from "./client.js";

export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url));

export async function runMigrations(database: Database): Promise<void> {
  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    // An advisory lock serialises replicas that start together; it is held by the migrating session.
    await sql`select pg_advisory_lock(7358201)`;
    try {
      await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await sql`select pg_advisory_unlock(7358201)`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
