import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createTestDatabase } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database, MIGRATIONS_DIR, runMigrations } from "../src/index.js";

describe("migrations", () => {
  let database: Database;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const testDb = await createTestDatabase(inject("databaseAdminUrl"));
    drop = testDb.drop;
    database = createDatabase(testDb.url, { max: 3 });
  });
  afterAll(async () => {
    await database.close();
    await drop();
  });

  it("create every table the services use", async () => {
    const rows = await database.sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by 1`;
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        "dead_letters",
        "observations",
        "profile_versions",
        "profiles",
        "records",
        "runs",
        "series",
      ]),
    );
  });

  it("can be applied again, and concurrently, without changing anything", async () => {
    await Promise.all([runMigrations(database), runMigrations(database)]);
    const [row] = await database.sql<{ n: string }[]>`select count(*) as n from drizzle.__drizzle_migrations`;
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, "meta/_journal.json"), "utf8")) as {
      entries: unknown[];
    };
    expect(Number(row?.n)).toBe(journal.entries.length);
  });
});

describe("the observations table", () => {
  it("is partitioned by time range", async () => {
    const testDb = await createTestDatabase(inject("databaseAdminUrl"));
    const database = createDatabase(testDb.url, { max: 1 });
    try {
      const [row] = await database.sql<{ strategy: string }[]>`
        select partstrat as strategy from pg_partitioned_table where partrelid = 'observations'::regclass`;
      expect(row?.strategy).toBe("r");
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});
