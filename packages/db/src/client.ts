/**
 * @module The database client (postgres.js), waited for at start-up. Services write set-based
 * SQL through it; the drizzle schema defines the tables and generates the migrations. (Drizzle's
 * postgres.js driver replaces the client's date and JSON serializers, so it gets a connection of
 * its own where it is used, never this one.)
 */
import { type Logger, retryWithBackoff } from "@chartly/platform";
import postgres, { type Sql } from "postgres";

export interface Database {
  url: string;
  sql: Sql;
  close(): Promise<void>;
}

export function createDatabase(url: string, options: { max?: number; appName?: string } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.appName ?? "chartly" },
  });
  return { url, sql, close: () => sql.end({ timeout: 5 }) };
}

/** Resolves once the database answers; retries with backoff instead of crashing. */
export function waitForDatabase(sql: Sql, logger: Logger, timeoutMs = 120_000): Promise<void> {
  return retryWithBackoff("the database", async () => void (await sql`select 1`), { logger, timeoutMs });
}
