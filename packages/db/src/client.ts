/** @module The database client: postgres.js underneath, drizzle on top, waited for at start-up. */
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { type Logger, retryWithBackoff } from "@chartly/platform";
import postgres, { type Sql } from "postgres";
import * as schema from "./schema/index.js";

export type Db = PostgresJsDatabase<typeof schema>;

export interface Database {
  sql: Sql;
  db: Db;
  close(): Promise<void>;
}

export function createDatabase(url: string, options: { max?: number; appName?: string } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: options.appName ?? "chartly" },
  });
  return { sql, db: drizzle(sql, { schema }), close: () => sql.end({ timeout: 5 }) };
}

/** Resolves once the database answers; retries with backoff instead of crashing. */
export function waitForDatabase(sql: Sql, logger: Logger, timeoutMs = 120_000): Promise<void> {
  return retryWithBackoff("the database", async () => void (await sql`select 1`), { logger, timeoutMs });
}
