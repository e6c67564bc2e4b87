import { createTestDatabase, type TestDatabase } from "@chartly/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { toAppError } from "../src/index.js";

describe("errors from Postgres", () => {
  let database: TestDatabase;
  let sql: postgres.Sql;
  beforeAll(async () => {
    database = await createTestDatabase(inject("databaseAdminUrl"));
    sql = postgres(database.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql.end();
    await database.drop();
  });

  const failure = async (query: () => Promise<unknown>) => {
    try {
      await query();
    } catch (error) {
      return error;
    }
    throw new Error("the query did not fail");
  };

  it("make a value Postgres cannot take (NUL, out of range, malformed) the caller's invalid argument, in our words", async () => {
    const cases = [
      [() => sql`select ${"a\u0000b"}::text`, "contains a character that cannot be stored"],
      [() => sql`select ${"99999999999"}::int`, "out of range"],
      [() => sql`select ${"not a time"}::text::timestamptz`, "not valid for the field"],
      [() => sql`select ${"x"}::text::bigint`, "not valid for the field"],
    ] as const;
    for (const [query, message] of cases) {
      const error = toAppError(await failure(query));
      expect(error.code).toBe("invalid_argument");
      expect(error.message).toContain(message);
      expect(error.message).not.toMatch(/syntax|UTF8|integer|bigint|timestamp/);
    }
  });

  it("keep every other database failure internal and silent", async () => {
    const error = toAppError(await failure(() => sql`select * from no_such_table`));
    expect(error.code).toBe("internal");
    expect(error.message).toBe("internal error");
  });
});
