/** @module `npm run migrate`: applies migrations to DATABASE_URL and exits. */
import { createLogger, loadConfig } from "@chartly/platform";
import { z } from "zod";
import { createDatabase, waitForDatabase } from "./client.js";
import { runMigrations } from "./migrate.js";

const config = loadConfig(z.object({ DATABASE_URL: z.string().min(1) }));
const logger = createLogger("migrate");
const database = createDatabase(config.DATABASE_URL, { appName: "chartly-migrate" });
try {
  await waitForDatabase(database.sql, logger);
  await runMigrations(database);
  logger.info("migrations applied");
} finally {
  await database.close();
}
