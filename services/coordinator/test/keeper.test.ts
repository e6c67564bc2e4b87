import { JobSchema, type RunEvent, RunEventSchema } from "@chartly/contracts";
import { createDatabase, type Database } from "@chartly/db";
import { ensurePullConsumer, ensureStreams } from "@chartly/platform";
import {
  createTestDatabase,
  type NatsServer,
  startNatsServer,
  type TestDatabase,
  waitFor,
} from "@chartly/testkit";
import { type JetStreamManager, jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { consumeMaxDeliveries } from "../src/fleet/advisories.js";
import { RunKeeper } from "../src/runs/keeper.js";
import { queuedRunsSince } from "../src/runs/store.js";
import { Dispatcher } from "../src/scheduler/dispatcher.js";
import { storedProfile } from "./profiles.js";

const silent = pino({ level: "silent" });
const BACKOFF = { baseMs: 60_000, maxMs: 100_000 };

const profile = (id: string) => storedProfile(id, { schedule: { every: "1h", maxAttempts: 3 } });

describe("the run keeper", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let testDb: TestDatabase;
  let database: Database;
  let dispatcher: Dispatcher;
  let keeper: RunKeeper;

  beforeEach(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    jsm = await ensureStreams(nc, ["jobs", "records", "events", "jobAdvisories"]);
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 3 });
    dispatcher = new Dispatcher(database.sql, jetstream(nc), silent);
    keeper = new RunKeeper(database.sql, jetstream(nc), dispatcher, silent, BACKOFF);
  });
  afterEach(async () => {
    await database.close();
    await testDb.drop();
    await nc.close();
    await nats.stop();
  });

  /** What the aggregator writes when a drone reports attempt `attempt` failed. */
  const failAttempt = (runId: string, attempt: number) => database.sql`
    update runs set status = 'failed', attempt = ${attempt}, drone_id = 'd1', started_at = now(),
      finished_at = now(), error_code = 'source_http_error', error_message = ${`HTTP 500 on attempt ${attempt}`}
    where id = ${runId}`;
  const row = async (runId: string) =>
    (
      await database.sql<
        { status: string; attempt: number; wait_ms: number | null; error_code: string | null }[]
      >`
      select status, attempt, error_code,
             round(extract(epoch from next_attempt_at - now()) * 1000)::int as wait_ms
      from runs where id = ${runId}`
    )[0];
  /** Every job published, read from the stream (a work queue allows no second consumer). */
  const jobs = async () => {
    const { first_seq, last_seq } = (await jsm.streams.info("JOBS")).state;
    const found: { attempt: number | undefined; msgId: string | undefined }[] = [];
    for (let seq = first_seq; seq <= last_seq; seq++) {
      const msg = await jsm.streams.getMessage("JOBS", { seq });
      if (msg)
        found.push({ attempt: JobSchema.parse(msg.json()).attempt, msgId: msg.header.get("Nats-Msg-Id") });
    }
    return found;
  };
  const events = async (runId: string): Promise<RunEvent[]> => {
    const subject = `chartly.events.run.${runId}`;
    const count =
      (await jsm.streams.info("EVENTS", { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    const found: RunEvent[] = [];
    if (count === 0) return found;
    const consumer = await jetstream(nc).consumers.get("EVENTS", { filter_subjects: subject });
    for await (const msg of await consumer.fetch({ max_messages: count, expires: 5_000 })) {
      found.push(RunEventSchema.parse(msg.json()));
    }
    return found;
  };
  const findProfile = (tenant: string, id: string) => (tenant === "t1" ? profile(id) : undefined);

  it("retries a failed attempt after an exponential backoff and declares the run dead after maxAttempts", async () => {
    const runId = "flaky@20260301T100000Z";
    await dispatcher.dispatch(profile("flaky"), {
      id: runId,
      slot: new Date("2026-03-01T10:00:00Z"),
      trigger: "schedule",
      maxAttempts: 3,
    });

    await failAttempt(runId, 1);
    expect((await keeper.decideFailed()).map((r) => r.status)).toEqual(["retrying"]);
    expect(await row(runId)).toMatchObject({
      status: "retrying",
      attempt: 1,
      error_code: "source_http_error",
    });
    expect((await row(runId))?.wait_ms).toBeGreaterThan(BACKOFF.baseMs - 2_000);
    expect((await row(runId))?.wait_ms).toBeLessThanOrEqual(BACKOFF.baseMs);
    // Not due yet.
    expect(await keeper.queueDueRetries(findProfile, true)).toEqual([]);
    await database.sql`update runs set next_attempt_at = now() where id = ${runId}`;
    expect(await keeper.queueDueRetries(findProfile, true)).toEqual([runId]);
    expect(await row(runId)).toMatchObject({ status: "queued", attempt: 1 });

    await failAttempt(runId, 2);
    await keeper.decideFailed();
    // Doubled, then capped.
    expect((await row(runId))?.wait_ms).toBeGreaterThan(BACKOFF.maxMs - 2_000);
    expect((await row(runId))?.wait_ms).toBeLessThanOrEqual(BACKOFF.maxMs);
    await database.sql`update runs set next_attempt_at = now() where id = ${runId}`;
    await keeper.queueDueRetries(findProfile, true);

    await failAttempt(runId, 3);
    expect((await keeper.decideFailed()).map((r) => r.status)).toEqual(["dead"]);
    expect(await row(runId)).toMatchObject({
      status: "dead",
      attempt: 3,
      error_code: "source_http_error",
      wait_ms: null,
    });
    // A second decision round changes nothing.
    expect(await keeper.decideFailed()).toEqual([]);

    expect(await jobs()).toEqual([
      { attempt: 1, msgId: runId },
      { attempt: 2, msgId: `${runId}:2` },
      { attempt: 3, msgId: `${runId}:3` },
    ]);
    expect((await events(runId)).map((e) => `${e.type}:${e.attempt}`)).toEqual([
      "run.queued:1",
      "run.retrying:1",
      "run.queued:2",
      "run.retrying:2",
      "run.queued:3",
      "run.dead:3",
    ]);
  });

  it("marks the runs of drones that stopped sending heartbeats as re-queued, and no others", async () => {
    for (const [id, drone] of [
      ["on-lost@1", "lost-drone"],
      ["on-alive@1", "alive-drone"],
    ] as const) {
      await dispatcher.dispatch(profile(id.split("@")[0] as string), {
        id,
        slot: new Date(),
        trigger: "manual",
        maxAttempts: 3,
      });
      await database.sql`
        update runs set status = 'running', attempt = 1, drone_id = ${drone}, started_at = now() - interval '1 minute'
        where id = ${id}`;
    }
    const changed = await keeper.requeueRunsOfLostDrones(["alive-drone"], 15_000);
    expect(changed.map((r) => r.id)).toEqual(["on-lost@1"]);
    const [lost] =
      await database.sql`select status, error_code, error_message from runs where id = 'on-lost@1'`;
    expect(lost).toMatchObject({ status: "queued", error_code: "drone_lost" });
    expect(lost?.error_message).toContain("lost-drone");
    expect(await row("on-alive@1")).toMatchObject({ status: "running" });
    expect((await events("on-lost@1")).at(-1)).toMatchObject({
      type: "run.queued",
      reason: "drone_lost",
      droneId: "lost-drone",
      attempt: 2,
    });
    // Marking is done once; and a new leader, which re-publishes first jobs a crash may have
    // lost, leaves this run alone: its job is in the stream, waiting for the lease to expire.
    expect(await keeper.requeueRunsOfLostDrones(["alive-drone"], 15_000)).toEqual([]);
    expect(await queuedRunsSince(database.sql, new Date(Date.now() - 60_000))).toEqual([]);
  });

  it("declares a run dead when JetStream gives up delivering its job, even while no coordinator listened", async () => {
    await ensurePullConsumer(jsm, "JOBS", "drones-default", {
      filterSubject: "chartly.jobs.default",
      ackWaitMs: 300,
      maxDeliver: 2,
    });
    const runId = "crashy@20260301T100000Z";
    await dispatcher.dispatch(profile("crashy"), {
      id: runId,
      slot: new Date("2026-03-01T10:00:00Z"),
      trigger: "schedule",
      maxAttempts: 3,
    });
    // Two drones take the job and die without a word.
    const consumer = await jetstream(nc).consumers.get("JOBS", "drones-default");
    expect((await consumer.next({ expires: 2_000 }))?.info.deliveryCount).toBe(1);
    expect((await consumer.next({ expires: 2_000 }))?.info.deliveryCount).toBe(2);
    // JetStream notices the exhausted message when a drone asks for the next job.
    expect(await consumer.next({ expires: 2_000 })).toBeNull();
    // The advisory waits in its stream until a coordinator consumes it.
    await waitFor("the advisory to be kept", async () =>
      (await jsm.streams.info("JOBS_ADVISORIES")).state.messages === 1 ? true : undefined,
    );
    expect((await row(runId))?.status).toBe("queued");
    const advisories = await consumeMaxDeliveries(jetstream(nc), jsm, keeper, silent);
    const dead = await waitFor("the run to be dead", async () => {
      const current = await row(runId);
      return current?.status === "dead" ? current : undefined;
    });
    await advisories.stop();
    await waitFor("the advisory to be acked", async () =>
      (await jsm.streams.info("JOBS_ADVISORIES")).state.messages === 0 ? true : undefined,
    );
    expect(dead.error_code).toBe("max_deliveries");
    expect((await jsm.streams.info("JOBS")).state.messages).toBe(0);
    expect((await events(runId)).at(-1)).toMatchObject({
      type: "run.dead",
      error: { code: "max_deliveries" },
    });
  });
});
