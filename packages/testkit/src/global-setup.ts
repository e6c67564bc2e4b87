/**
 * @module Vitest global setup: one real Postgres for the whole run (or TEST_DATABASE_URL),
 * with a migrated template every test database is cloned from.
 */
import type {} from "vitest";
import type { TestProject } from "vitest/node";
import { prepareTemplate } from "./databases.js";
import { startPostgresServer } from "./postgres-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    databaseAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  const server = external ? undefined : await startPostgresServer();
  const adminUrl = external ?? (server as { url: string }).url;
  await prepareTemplate(adminUrl);
  project.provide("databaseAdminUrl", adminUrl);
  return async () => {
    await server?.stop();
  };
}
