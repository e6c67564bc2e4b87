/**
 * Crashes and outages around the aggregator, with the aggregator as a real child process:
 * whatever happens, the table ends up holding exactly the expected points, once each.
 */
import type { RecordBatch } from "@chartly/contracts";
import { createDatabase, type Database, runMigrations } from "@chartly/db";
import { ensureStreams } from "@chartly/platform";
import {
  type Launched,
  launch,
  type NatsServer,
  type PostgresServer,
  startNatsServer,
  startPostgresServer,
  waitFor,
} from "@chartly/testkit";
import { type JetStreamManager, jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SERIES = 20;
const POINTS = 2_000;
const PER_BATCH = 500;
const START = Date.parse("2023-06-01T00:00:00Z");
const MINUTE = 60_000;
const value = (s: number, p: number) => s * 10_000 + p;

function* batches(runId: string, tenant: string): Generator<RecordBatch> {
  let records: RecordBatch["records"] = [];
  let n = 0;
  for (let s = 0; s < SERIES; s++) {
    for (let p = 0; p < POINTS; p++) {
      const time = new Date(START + p * MINUTE).toISOString();
      records.push({ key: `${s}|${time}`, time, dims: { sensor: `s${s}` }, measures: { v: value(s, p) } });
      if (records.length === PER_BATCH) {
        yield { tenant, profileId: "p", runId, batch: n++, units: {}, records };
        records = [];
      }
    }
  }
}

const EXPECTED_COUNT = SERIES * POINTS;
let expectedSum = 0;
for (let s = 0; s < SERIES; s++) for (let p = 0; p < POINTS; p++) expectedSum += value(s, p);

describe("the aggregator under crashes and outages", () => {
  let nats: NatsServer;
  let pg: PostgresServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let database: Database;
  let aggregator: Launched | undefined;

  const start = () =>
    launch("aggregator", "services/aggregator/src/main.ts", {
      NATS_URL: nats.url,
      DATABASE_URL: pg.url,
      HTTP_PORT: "0",
      INGEST_BATCH_MESSAGES: "4",
      // Messages in flight when the process dies come back after this lease.
      INGEST_ACK_WAIT_MS: "3000",
    });
  const publish = async (runId: string, tenant: string) => {
    const js = jetstream(nc);
    for (const batch of batches(runId, tenant)) {
      await js.publish(`chartly.records.${tenant}.p`, JSON.stringify(batch), {
        msgID: `${runId}:${batch.batch}`,
      });
    }
  };
  const tally = async (tenant: string) => {
    const [row] = await database.sql<{ n: string; total: string; counted: string }[]>`
      select count(*) as n, coalesce(sum(o.value), 0)::float8 as total,
             (select coalesce(sum(obs_count), 0) from series where tenant_id = ${tenant}) as counted
      from observations o join series s on s.id = o.series_id where s.tenant_id = ${tenant}`;
    return { count: Number(row?.n), sum: Number(row?.total), counted: Number(row?.counted) };
  };
  const drained = async () => {
    const info = await jsm.consumers.info("RECORDS", "aggregator-records");
    return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    pg = await startPostgresServer();
    database = createDatabase(pg.url, { max: 2 });
    await runMigrations(database);
    nc = await connect({ servers: nats.url });
    jsm = await ensureStreams(nc);
  }, 60_000);
  afterAll(async () => {
    await aggregator?.stop("SIGKILL");
    await nc?.close();
    await database?.close();
    await pg?.stop();
    await nats?.stop();
  });

  it("killed with SIGKILL in the middle of an ingest, and restarted, stores every point exactly once", async () => {
    await publish("crash", "crash");
    aggregator = start();
    await waitFor(
      "part of the ingest",
      async () => {
        const { count } = await tally("crash");
        return count > 0 && count < EXPECTED_COUNT ? true : undefined;
      },
      30_000,
      5,
    );
    await aggregator.stop("SIGKILL");
    const partial = await tally("crash");
    expect(partial.count).toBeLessThan(EXPECTED_COUNT);

    aggregator = start();
    await waitFor("the backlog to drain", drained, 60_000);
    expect(await tally("crash")).toEqual({
      count: EXPECTED_COUNT,
      sum: expectedSum,
      counted: EXPECTED_COUNT,
    });
  }, 90_000);

  it("keeps the backlog while Postgres is down for 20 s and drains it once Postgres is back", async () => {
    await waitFor("the aggregator to be ready", async () =>
      aggregator?.output().includes("aggregator ready") ? true : undefined,
    );
    await pg.pause();
    const outage = Date.now();
    await publish("outage", "outage");
    const port = /"port":(\d+),"msg":"HTTP server listening"/.exec(aggregator?.output() ?? "")?.[1];
    const ready = async () => (await fetch(`http://127.0.0.1:${port}/ready`)).status;
    await waitFor("the aggregator to report not ready", async () =>
      (await ready()) === 503 ? true : undefined,
    ).catch((error: Error) => {
      throw new Error(`${error.message} (port ${port})\n${aggregator?.output().slice(-3000)}`);
    });
    await new Promise((r) => setTimeout(r, 20_000 - (Date.now() - outage)));
    expect(aggregator?.child.exitCode).toBeNull();
    await pg.resume();
    await waitFor("the backlog to drain", drained, 60_000);
    await waitFor("the aggregator to be ready again", async () =>
      (await ready()) === 200 ? true : undefined,
    );
    expect(await tally("outage")).toEqual({
      count: EXPECTED_COUNT,
      sum: expectedSum,
      counted: EXPECTED_COUNT,
    });
  }, 120_000);
});
