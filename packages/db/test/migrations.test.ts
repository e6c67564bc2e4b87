import { createTestDatabase } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database, runMigrations } from "../src/index.js";

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
      expect.arrayContaining(["observations", "profile_versions", "profiles", "records", "runs", "series"]),
    );
  });

  it("can be applied again, and concurrently, without changing anything", async () => {
    await Promise.all([runMigrations(database), runMigrations(database)]);
    const [row] = await database.sql<{ n: string }[]>`select count(*) as n from drizzle.__drizzle_migrations`;
    expect(Number(row?.n)).toBe(1);
  });
});
