import type { RunEvent } from "@chartly/contracts";
import { createDatabase, type Database } from "@chartly/db";
import { createTestDatabase, type TestDatabase } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { applyRunEvent } from "../src/runs/events.js";

const at = (second: number) => new Date(Date.UTC(2026, 2, 1, 10, 0, second)).toISOString();
const base = { tenant: "t1", profileId: "p" };
const started = (runId: string, attempt: number, droneId: string): RunEvent => ({
  ...base,
  type: "run.started",
  runId,
  attempt,
  droneId,
  at: at(attempt),
});
const finished = (
  runId: string,
  attempt: number,
  droneId: string,
  status: "succeeded" | "failed",
  recordsOut = 10,
): RunEvent => ({
  ...base,
  type: "run.finished",
  runId,
  attempt,
  droneId,
  at: at(attempt + 30),
  status,
  stats: { pages: 1, bytes: 100, recordsOut, skipped: {} },
  ...(status === "failed" ? { error: { code: "source_http_error", message: `attempt ${attempt}` } } : {}),
});

describe("run events applied to runs", () => {
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

  const queue = (id: string) => database.sql`
    insert into runs (id, tenant_id, profile_id, trigger, status) values (${id}, 't1', 'p', 'schedule', 'queued')`;
  const row = async (id: string) =>
    (
      await database.sql<{ status: string; attempt: number; drone_id: string; records_out: number }[]>`
        select status, attempt, drone_id, records_out from runs where id = ${id}`
    )[0];

  it("ignore a late result from an older attempt once a newer attempt has started or finished", async () => {
    await queue("late");
    await applyRunEvent(database.sql, started("late", 1, "a"));
    // a's lease expired; the job went to b as attempt 2.
    await applyRunEvent(database.sql, started("late", 2, "b"));
    await applyRunEvent(database.sql, finished("late", 1, "a", "failed"));
    expect(await row("late")).toMatchObject({ status: "running", attempt: 2, drone_id: "b" });
    await applyRunEvent(database.sql, finished("late", 2, "b", "succeeded", 42));
    await applyRunEvent(database.sql, started("late", 1, "a"));
    await applyRunEvent(database.sql, finished("late", 1, "a", "succeeded", 7));
    expect(await row("late")).toMatchObject({
      status: "succeeded",
      attempt: 2,
      drone_id: "b",
      records_out: 42,
    });
  });

  it("do not undo the coordinator's decision when a finished event arrives twice", async () => {
    await queue("twice");
    await applyRunEvent(database.sql, started("twice", 1, "a"));
    await applyRunEvent(database.sql, finished("twice", 1, "a", "failed"));
    await database.sql`update runs set status = 'retrying' where id = 'twice'`;
    await applyRunEvent(database.sql, finished("twice", 1, "a", "failed"));
    expect(await row("twice")).toMatchObject({ status: "retrying", attempt: 1 });
    // The retry's own attempt moves it on.
    await applyRunEvent(database.sql, started("twice", 2, "b"));
    expect(await row("twice")).toMatchObject({ status: "running", attempt: 2 });
  });

  it("take the outcome of a drone that was thought lost but finished after all", async () => {
    await queue("thought-lost");
    await applyRunEvent(database.sql, started("thought-lost", 1, "a"));
    await database.sql`update runs set status = 'queued', error_code = 'drone_lost' where id = 'thought-lost'`;
    await applyRunEvent(database.sql, started("thought-lost", 1, "a"));
    expect(await row("thought-lost")).toMatchObject({ status: "queued" });
    await applyRunEvent(database.sql, finished("thought-lost", 1, "a", "succeeded"));
    expect(await row("thought-lost")).toMatchObject({ status: "succeeded", attempt: 1 });
  });

  it("never reopen a dead run", async () => {
    await queue("dead");
    await applyRunEvent(database.sql, started("dead", 1, "a"));
    await database.sql`update runs set status = 'dead' where id = 'dead'`;
    await applyRunEvent(database.sql, started("dead", 2, "b"));
    await applyRunEvent(database.sql, finished("dead", 2, "b", "succeeded"));
    expect(await row("dead")).toMatchObject({ status: "dead", attempt: 1 });
  });
});
