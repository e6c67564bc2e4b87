import type { CursorValue, RunEvent } from "@chartly/contracts";
import { createDatabase, type Database } from "@chartly/db";
import { createTestDatabase, type TestDatabase } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyRunEvent } from "../src/runs/events.js";

const finished = (
  profileId: string,
  runId: string,
  attempt: number,
  status: "succeeded" | "partial" | "failed",
  cursor: CursorValue,
): RunEvent => ({
  type: "run.finished",
  tenant: "t1",
  profileId,
  runId,
  attempt,
  droneId: "d",
  at: new Date(Date.UTC(2026, 2, 1, 10, 0, attempt)).toISOString(),
  status,
  stats: { pages: 1, bytes: 100, recordsOut: 1, skipped: {} },
  cursor,
});
const date = (value: string): CursorValue => ({ kind: "date", value });

describe("incremental cursors stored from run.finished", () => {
  let testDb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 2 });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
  });

  const cursorOf = async (profileId: string) =>
    (
      await database.sql<{ value: string; kind: string; run_id: string }[]>`
        select value, kind, run_id from cursors where tenant_id = 't1' and profile_id = ${profileId}`
    )[0];

  it("are stored for a succeeded run and never move backwards", async () => {
    await applyRunEvent(
      database.sql,
      finished("fwd", "r1", 1, "succeeded", date("2024-10-01T00:00:00.000Z")),
    );
    expect(await cursorOf("fwd")).toEqual({ value: "2024-10-01T00:00:00.000Z", kind: "date", run_id: "r1" });
    // An earlier slot's run finishing late reports an older high-water mark.
    await applyRunEvent(
      database.sql,
      finished("fwd", "r0", 1, "succeeded", date("2024-09-30T00:00:00.000Z")),
    );
    expect(await cursorOf("fwd")).toMatchObject({ value: "2024-10-01T00:00:00.000Z", run_id: "r1" });
    await applyRunEvent(
      database.sql,
      finished("fwd", "r2", 1, "succeeded", date("2024-10-02T00:00:00.000Z")),
    );
    expect(await cursorOf("fwd")).toMatchObject({ value: "2024-10-02T00:00:00.000Z", run_id: "r2" });
  });

  it("compare numbers as numbers, not as text", async () => {
    await applyRunEvent(database.sql, finished("num", "n1", 1, "succeeded", { kind: "number", value: "9" }));
    await applyRunEvent(database.sql, finished("num", "n2", 1, "succeeded", { kind: "number", value: "10" }));
    await applyRunEvent(
      database.sql,
      finished("num", "n3", 1, "succeeded", { kind: "number", value: "8.5" }),
    );
    expect(await cursorOf("num")).toMatchObject({ value: "10", kind: "number" });
  });

  it("compare integers beyond 2^53 exactly, where doubles would call them equal", async () => {
    const id = (value: string): CursorValue => ({ kind: "number", value });
    await applyRunEvent(database.sql, finished("ids", "i1", 1, "succeeded", id("1858735296123456801")));
    // Both round to the same double; only the exact comparison keeps the later id.
    await applyRunEvent(database.sql, finished("ids", "i2", 1, "succeeded", id("1858735296123456799")));
    expect(await cursorOf("ids")).toMatchObject({ value: "1858735296123456801", run_id: "i1" });
    await applyRunEvent(database.sql, finished("ids", "i3", 1, "succeeded", id("1858735296123456802")));
    expect(await cursorOf("ids")).toMatchObject({ value: "1858735296123456802", run_id: "i3" });
  });

  it("are not stored for partial or failed runs", async () => {
    await applyRunEvent(database.sql, finished("part", "p1", 1, "partial", date("2025-01-01T00:00:00.000Z")));
    await applyRunEvent(database.sql, finished("part", "p2", 1, "failed", date("2025-01-01T00:00:00.000Z")));
    expect(await cursorOf("part")).toBeUndefined();
  });

  it("are not stored from a late event of an older attempt", async () => {
    await applyRunEvent(database.sql, finished("fence", "f1", 2, "failed", date("2024-01-01T00:00:00.000Z")));
    // Attempt 1 lost its lease; attempt 2 already finished. Its success must not count.
    await applyRunEvent(
      database.sql,
      finished("fence", "f1", 1, "succeeded", date("2030-01-01T00:00:00.000Z")),
    );
    expect(await cursorOf("fence")).toBeUndefined();
  });

  it("start afresh when the profile changes its cursor type", async () => {
    await applyRunEvent(
      database.sql,
      finished("kind", "k1", 1, "succeeded", date("2024-01-01T00:00:00.000Z")),
    );
    await applyRunEvent(database.sql, finished("kind", "k2", 1, "succeeded", { kind: "number", value: "5" }));
    expect(await cursorOf("kind")).toMatchObject({ value: "5", kind: "number" });
  });
});
