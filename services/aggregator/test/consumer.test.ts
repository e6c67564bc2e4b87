import { CONSUMERS, type RecordBatch, STREAMS } from "@chartly/contracts";
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
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEAD_LETTER_SUBJECT, type IngestLoop, startIngestLoop } from "../src/ingest/consumer.js";
import { keepDeadLetter } from "../src/ingest/dead-letters.js";
import { SeriesCache } from "../src/ingest/series-cache.js";
import { applyWrite, prepareWrite } from "../src/ingest/writer.js";
import { listDeadLetters } from "../src/queries/records.js";

const batch = (runId: string, year: number) =>
  JSON.stringify({
    tenant: "t1",
    profileId: "p",
    runId,
    batch: 0,
    units: {},
    records: [{ key: `${year}`, time: `${year}-01-01T00:00:00Z`, dims: {}, measures: { v: year } }],
  });

describe("the ingest loop", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let testDb: TestDatabase;
  let database: Database;
  let writerSql: postgres.Sql;
  let loop: IngestLoop;
  const cache = new SeriesCache();
  const deadLetters: { reason: string }[] = [];

  const stored = async () => Number((await database.sql`select count(*) as n from observations`)[0]?.n);

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    jsm = await ensureStreams(nc);
    await ensurePullConsumer(jsm, STREAMS.records.name, CONSUMERS.aggregatorRecords, { ackWaitMs: 30_000 });
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 2 });
    // A short lock timeout turns a blocked table into a failed write, as an outage would.
    writerSql = postgres(testDb.url, { max: 2, onnotice: () => {}, connection: { lock_timeout: 300 } });
    nc.subscribe(DEAD_LETTER_SUBJECT, {
      callback: (_e, msg) => {
        deadLetters.push(msg.json());
      },
    });
    loop = startIngestLoop({
      consumer: await jetstream(nc).consumers.get(STREAMS.records.name, CONSUMERS.aggregatorRecords),
      nc,
      prepare: prepareWrite,
      write: (prepared) => applyWrite(writerSql, prepared, cache),
      concurrency: 2,
      logger: pino({ level: "silent" }),
      maxMessages: 10,
      onDeadLetter: (letter) => keepDeadLetter(database.sql, letter),
    });
  });
  afterAll(async () => {
    await loop.stop();
    await writerSql.end();
    await database.close();
    await testDb.drop();
    await nc.close();
    await nats.stop();
  });

  it("sets a malformed batch aside with its reason and goes on with the next", async () => {
    const js = jetstream(nc);
    await js.publish("chartly.records.t1.p", "{not json");
    await js.publish("chartly.records.t1.p", JSON.stringify({ tenant: "t1", records: "nope" }));
    await js.publish("chartly.records.t1.p", batch("r1", 2001));
    await waitFor("the good batch to be stored", async () => ((await stored()) === 1 ? true : undefined));
    await waitFor("two dead letters", async () => (deadLetters.length === 2 ? true : undefined));
    expect(deadLetters[0]?.reason).toMatch(/^not JSON: /);
    expect(deadLetters[1]?.reason).toMatch(/^not a record batch: \/profileId: /);
    // Kept for the API, under the tenant named by the subject.
    const kept = await waitFor("the dead letters to be kept", async () => {
      const page = await listDeadLetters(database.sql, "t1", {});
      return page.items.length === 2 ? page.items : undefined;
    });
    expect(kept.map((k) => k.payload).sort()).toEqual(['{"tenant":"t1","records":"nope"}', "{not json"]);
    // Acks and terms are asynchronous: wait for the server to have them all.
    await waitFor("every message to be settled", async () => {
      const info = await jsm.consumers.info(STREAMS.records.name, CONSUMERS.aggregatorRecords);
      return info.num_ack_pending === 0 && info.num_pending === 0 ? true : undefined;
    });
  });

  it("keeps a batch it cannot write, reports unhealthy, and stores it once Postgres recovers", async () => {
    const blocker = postgres(testDb.url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holding = blocker.begin(async (tx) => {
      await tx`lock table observations in access exclusive mode`;
      await released;
    });
    try {
      await jetstream(nc).publish("chartly.records.t1.p", batch("r2", 2002));
      await waitFor("the loop to notice the failure", async () => (loop.healthy() ? undefined : true));
      // The stream still holds the batch: it was not acknowledged.
      const info = await jsm.consumers.info(STREAMS.records.name, CONSUMERS.aggregatorRecords);
      expect(info.num_pending + info.num_ack_pending).toBe(1);
    } finally {
      release();
      await holding;
      await blocker.end();
    }
    await waitFor("the batch to be stored after recovery", async () =>
      (await stored()) === 2 ? true : undefined,
    );
    await waitFor("the loop to be healthy again", async () => (loop.healthy() ? true : undefined));
  });
  it("writes groups at once but keeps the order of writes to the same series", async () => {
    const js = jetstream(nc);
    const point = (series: string, value: number, n: number) =>
      JSON.stringify({
        tenant: "t1",
        profileId: "ordered",
        runId: "r3",
        batch: n,
        units: {},
        records: [{ key: series, time: "2024-01-01T00:00:00Z", dims: { series }, measures: { v: value } }],
      });
    // Groups of at most 10 messages, two transactions at once: "hot" is revised in every group,
    // the others are each written once, in parallel with whatever else is in flight.
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      pending.push(js.publish("chartly.records.t1.ordered", point(i % 2 === 0 ? "hot" : `cold-${i}`, i, i)));
    }
    await Promise.all(pending);
    const rows = await waitFor("every point stored", async () => {
      const found = await database.sql<{ series: string; value: number }[]>`
        select s.dims->>'series' as series, o.value from observations o join series s on s.id = o.series_id
        where s.profile_id = 'ordered'`;
      return found.length === 31 ? found : undefined;
    });
    // The last value published for "hot" wins, whatever the grouping and the concurrency.
    expect(rows.find((r) => r.series === "hot")?.value).toBe(58);
    expect(rows.filter((r) => r.series.startsWith("cold-")).length).toBe(30);
    const [run] = await database.sql<
      { n: string }[]
    >`select count(*) as n from series where profile_id = 'ordered'`;
    expect(Number(run?.n)).toBe(31);
  });
});

describe("the ingest loop after a failed write", () => {
  let nats: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const jsm = await ensureStreams(nc);
    await ensurePullConsumer(jsm, STREAMS.records.name, CONSUMERS.aggregatorRecords, { ackWaitMs: 30_000 });
  });
  afterAll(async () => {
    await nc.close();
    await nats.stop();
  });

  it("does not apply a later write of the same series before the failed earlier one is redelivered", async () => {
    const value = (batches: RecordBatch[]) => batches[0]?.records[0]?.measures.v as number;
    let secondPrepared!: () => void;
    const secondWaiting = new Promise<void>((resolve) => {
      secondPrepared = resolve;
    });
    let failed = false;
    const applied: number[] = [];
    const loop = startIngestLoop({
      consumer: await jetstream(nc).consumers.get(STREAMS.records.name, CONSUMERS.aggregatorRecords),
      nc,
      // One message per group and one write at a time: the second group waits for a free slot.
      prepare: (batches) => {
        if (value(batches) === 2) secondPrepared();
        return { touches: new Set(["series-s"]), value: value(batches) };
      },
      write: async (prepared) => {
        if (!failed) {
          failed = true;
          // Fails once the later group is waiting behind it, as a write lost to a dropped connection would.
          await secondWaiting;
          throw new Error("connection lost");
        }
        applied.push(prepared.value);
        return { received: 1, inserted: 1, updated: 0, unchanged: 0, perRun: new Map(), records: 0 };
      },
      concurrency: 1,
      logger: pino({ level: "silent" }),
      maxMessages: 1,
    });
    try {
      const js = jetstream(nc);
      for (const v of [1, 2]) {
        await js.publish(
          "chartly.records.t1.p",
          JSON.stringify({
            tenant: "t1",
            profileId: "p",
            runId: "r1",
            batch: v,
            units: {},
            records: [{ key: "s", time: "2024-01-01T00:00:00Z", dims: {}, measures: { v } }],
          }),
        );
      }
      await waitFor("both writes applied", async () => (applied.length >= 2 ? true : undefined));
      // The value published last is the one left in place.
      expect(applied).toEqual([1, 2]);
    } finally {
      await loop.stop();
    }
  });
});
