// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { DEFAULT_POOL, type Job, jobSubject, type StoredProfile } from "@chartly/contracts";
import { createDatabase, type Database } from "@chartly/db";
import { ensureStreams } from "@chartly/platform";
import { createTestDatabase, type NatsServer, startNatsServer, type TestDatabase } from "@chartly/testkit";
import { type JetStreamManager, jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Dispatcher } from "../src/scheduler/dispatcher.js";
import { storedProfile } from "./profiles.js";

const profile = (id: string, type: "date" | "number") =>
  storedProfile(id, {
    source: { url: "https://example.org/data?since=${cursor}" },
    incremental: type === "date" ? { initial: "2020-01-01" } : { type: "number", initial: 0 },
  });

describe("jobs of incremental profiles", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let testDb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    jsm = await ensureStreams(nc);
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 2 });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
    await nc.close();
    await nats.stop();
  });

  const lastJob = async (): Promise<Job> => {
    const message = await jsm.streams.getMessage("JOBS", { last_by_subj: jobSubject(DEFAULT_POOL) });
    if (!message) throw new Error("no job in the stream");
    return message.json<Job>();
  };
  const dispatcher = () => new Dispatcher(database.sql, jetstream(nc), pino({ level: "silent" }));
  const publish = (target: StoredProfile, id: string) =>
    dispatcher().publishJob(target, {
      id,
      slot: new Date("2026-03-01T10:00:00Z"),
      trigger: "manual",
      attempt: 1,
    });

  it("carry no cursor before one is stored", async () => {
    await publish(profile("fresh", "date"), "fresh-1");
    const job = await lastJob();
    expect(job.runId).toBe("fresh-1");
    expect(job).not.toHaveProperty("cursor");
  });

  it("carry the stored cursor of the profile's type", async () => {
    await database.sql`
      insert into cursors (tenant_id, profile_id, kind, value, position, run_id, attempt)
      values ('t1', 'stored', 'date', '2024-10-01T00:00:00.000Z', 1727740800000, 'r0', 1)`;
    await publish(profile("stored", "date"), "stored-1");
    expect(await lastJob()).toMatchObject({ runId: "stored-1", cursor: "2024-10-01T00:00:00.000Z" });
    // A profile that changed its cursor to a number does not start from the old date.
    await publish(profile("stored", "number"), "stored-2");
    const job = await lastJob();
    expect(job.runId).toBe("stored-2");
    expect(job).not.toHaveProperty("cursor");
  });
});
