import { createDatabase, type Database } from "@chartly/db";
import { ensureStreams } from "@chartly/platform";
import { createTestDatabase, type NatsServer, startNatsServer, type TestDatabase } from "@chartly/testkit";
import { type JetStreamManager, jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Dispatcher } from "../src/scheduler/dispatcher.js";
import { storedProfile } from "./profiles.js";

const profile = (id: string, every: string, enabled = true) =>
  storedProfile(id, { schedule: { every } }, { enabled, version: 3 });

describe("the dispatcher", () => {
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
    database = createDatabase(testDb.url, { max: 3 });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
    await nc.close();
    await nats.stop();
  });

  const jobsQueued = async () => Number((await jsm.streams.info("JOBS")).state.messages);

  it("knows when the earliest next slot starts, so the clock can wake for it", async () => {
    const dispatcher = new Dispatcher(database.sql, jetstream(nc), pino({ level: "silent" }));
    const now = Date.parse("2026-03-01T10:20:10Z");
    const minutely = profile("wake-1m", "1m");
    const hourly = profile("wake-1h", "1h");
    await dispatcher.tick([minutely, hourly], now);
    expect(dispatcher.earliestDue()).toBe(Date.parse("2026-03-01T10:21:00Z"));
    // Before then a tick has nothing to do; at the slot it queues it and looks one minute on.
    expect(await dispatcher.tick([minutely, hourly], now + 30_000)).toEqual([]);
    expect(await dispatcher.tick([minutely, hourly], Date.parse("2026-03-01T10:21:00Z"))).toEqual([
      "t1~wake-1m@20260301T102100Z",
    ]);
    expect(dispatcher.earliestDue()).toBe(Date.parse("2026-03-01T10:22:00Z"));
    // A profile that is paused no longer wakes the clock.
    const paused = new Map([["t1/wake-1m", { paused: true, override: null }]]);
    await dispatcher.tick([minutely, hourly], Date.parse("2026-03-01T10:21:01Z"), paused);
    expect(dispatcher.earliestDue()).toBe(Date.parse("2026-03-01T11:00:00Z"));
    // The other tests count the jobs they queue.
    await jsm.streams.purge("JOBS");
  });

  it("queues one run and one job per due slot, skipping disabled profiles", async () => {
    const dispatcher = new Dispatcher(database.sql, jetstream(nc), pino({ level: "silent" }));
    const now = Date.parse("2026-03-01T10:20:00Z");
    const queued = await dispatcher.tick([profile("hourly", "1h"), profile("off", "1h", false)], now);
    expect(queued).toEqual(["t1~hourly@20260301T100000Z"]);
    // The same slot on the next tick is not queued again.
    expect(await dispatcher.tick([profile("hourly", "1h")], now + 1_000)).toEqual([]);
    expect(await jobsQueued()).toBe(1);
    const [run] = await database.sql`select * from runs where id = 't1~hourly@20260301T100000Z'`;
    expect(run).toMatchObject({
      tenant_id: "t1",
      profile_id: "hourly",
      profile_version: 3,
      status: "queued",
    });
  });

  it("queues the same slot of two tenants' profiles of the same id as two runs", async () => {
    const dispatcher = new Dispatcher(database.sql, jetstream(nc), pino({ level: "silent" }));
    const now = Date.parse("2026-03-03T08:10:00Z");
    const before = await jobsQueued();
    const mine = profile("shared", "1h");
    const theirs = { ...profile("shared", "1h"), tenant: "t2" };
    const queued = await dispatcher.tick([mine, theirs], now);
    expect(queued.sort()).toEqual(["t1~shared@20260303T080000Z", "t2~shared@20260303T080000Z"]);
    expect(await jobsQueued()).toBe(before + 2);
    const rows =
      await database.sql`select tenant_id from runs where profile_id = 'shared' order by tenant_id`;
    expect(rows.map((r) => r.tenant_id)).toEqual(["t1", "t2"]);
  });

  it("never queues a slot twice, even from a second coordinator", async () => {
    const logger = pino({ level: "silent" });
    const a = new Dispatcher(database.sql, jetstream(nc), logger);
    const b = new Dispatcher(database.sql, jetstream(nc), logger);
    const now = Date.parse("2026-03-01T11:05:00Z");
    const before = await jobsQueued();
    const [fromA, fromB] = await Promise.all([
      a.tick([profile("p2", "1h")], now),
      b.tick([profile("p2", "1h")], now),
    ]);
    expect([...fromA, ...fromB]).toEqual(["t1~p2@20260301T110000Z"]);
    expect(await jobsQueued()).toBe(before + 1);
    const [count] = await database.sql`select count(*)::int as n from runs where profile_id = 'p2'`;
    expect(count?.n).toBe(1);
  });

  it("re-publishes a run left queued by a crash without creating a duplicate job", async () => {
    const dispatcher = new Dispatcher(database.sql, jetstream(nc), pino({ level: "silent" }));
    const before = await jobsQueued();
    const republished = await dispatcher.dispatch(profile("p2", "1h"), {
      id: "t1~p2@20260301T110000Z",
      slot: new Date("2026-03-01T11:00:00Z"),
      trigger: "schedule",
      maxAttempts: 3,
    });
    expect(republished).toBe(false);
    expect(await jobsQueued()).toBe(before);
  });

  it("skips a paused profile and follows a schedule override instead of the profile's", async () => {
    const dispatcher = new Dispatcher(database.sql, jetstream(nc), pino({ level: "silent" }));
    const now = Date.parse("2026-03-02T09:40:00Z");
    const schedules = new Map([
      ["t1/paused", { paused: true, override: null }],
      ["t1/overridden", { paused: false, override: { cron: "15 10 * * *", timezone: "Europe/Paris" } }],
    ]);
    const queued = await dispatcher.tick(
      [profile("paused", "1h"), profile("overridden", "1h"), profile("plain", "1h")],
      now,
      schedules,
    );
    // 10:15 in Paris is 09:15 UTC in March (winter time).
    expect(queued.sort()).toEqual(["t1~overridden@20260302T091500Z", "t1~plain@20260302T090000Z"]);
    const [row] = await database.sql`select max_attempts from runs where id = 't1~plain@20260302T090000Z'`;
    expect(row?.max_attempts).toBe(3);
  });

  it("queues the next slot when the clock moves on", async () => {
    const dispatcher = new Dispatcher(database.sql, jetstream(nc), pino({ level: "silent" }));
    const first = await dispatcher.tick([profile("minutely", "1m")], Date.parse("2026-03-01T12:00:30Z"));
    const second = await dispatcher.tick([profile("minutely", "1m")], Date.parse("2026-03-01T12:01:01Z"));
    expect([...first, ...second]).toEqual(["t1~minutely@20260301T120000Z", "t1~minutely@20260301T120100Z"]);
  });
});
