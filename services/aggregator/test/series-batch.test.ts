import type { RecordBatch, Series } from "@chartly/contracts";
import { createDatabase, type Database } from "@chartly/db";
import { type AppError, ensureStreams, type RpcContext, rpcClient } from "@chartly/platform";
import { createTestDatabase, type NatsServer, startNatsServer, type TestDatabase } from "@chartly/testkit";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { writeBatches } from "../src/ingest/writer.js";
import { type Aggregator, startAggregator } from "../src/service.js";

const acme: RpcContext = { tenant: "acme", principal: "key:a", requestId: "ra" };
const globex: RpcContext = { tenant: "globex", principal: "key:g", requestId: "rg" };

/** The same series (profile, measure, dims) for a tenant, so only the tenant tells them apart. */
const batch = (tenant: string): RecordBatch => ({
  tenant,
  profileId: "water",
  runId: `seed-${tenant}`,
  batch: 0,
  units: {},
  records: ["VK", "KW"].flatMap((station) =>
    [0, 1, 2].map((h) => ({
      key: `${station}|${h}`,
      time: new Date(Date.UTC(2024, 0, 1, h)).toISOString(),
      dims: { station },
      measures: { temperature: 20 + h },
    })),
  ),
});

describe("series.get in batches", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let database: Database;
  let aggregator: Aggregator;
  const ids: Record<string, number[]> = {};

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await ensureStreams(nc);
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 2 });
    await writeBatches(database.sql, [batch("acme"), batch("globex")]);
    for (const tenant of ["acme", "globex"]) {
      const rows = await database.sql<{ id: string }[]>`
        select id from series where tenant_id = ${tenant} order by id`;
      ids[tenant] = rows.map((r) => Number(r.id));
    }
    aggregator = await startAggregator(
      loadConfig({
        NATS_URL: nats.url,
        DATABASE_URL: testDb.url,
        HTTP_PORT: "0",
        LOG_LEVEL: "silent",
        INSTANCE_ID: "agg-batch",
        FORECAST_WORKERS: "1",
      }),
    );
  });
  afterAll(async () => {
    await aggregator?.stop();
    await nc?.close();
    await database?.close();
    await testDb?.drop();
    await nats?.stop();
  });

  it("answers each caller of a batch from its own tenant only", async () => {
    const batches: number[] = [];
    const spy = nc.subscribe("chartly.rpc.aggregator.$batch.series.get", {
      callback: (_error, msg) => {
        batches.push(msg.json<{ items: unknown[] }>().items.length);
      },
    });
    const rpc = rpcClient(nc, 10_000, { batched: ["aggregator:series.get"] });
    const [acmeIds, globexIds] = [ids.acme ?? [], ids.globex ?? []];
    expect(acmeIds).toHaveLength(2);
    expect(globexIds).toHaveLength(2);
    // Every caller asks for every id: its own tenant's and the other's.
    const asked = [...acmeIds, ...globexIds].flatMap((id) => [
      { id, ctx: acme },
      { id, ctx: globex },
    ]);
    const results = await Promise.all(
      asked.map(({ id, ctx }) =>
        rpc.call<Series>("aggregator", "series.get", { id }, ctx).then(
          (series) => ({ id: series.id, station: series.dims.station }),
          (error: AppError) => error.code,
        ),
      ),
    );
    await spy.drain();

    expect(batches).toEqual([asked.length]);
    const own = (tenant: string, id: number) => (ids[tenant] ?? []).includes(id);
    asked.forEach(({ id, ctx }, i) => {
      expect(results[i]).toEqual(own(ctx.tenant, id) ? { id, station: expect.any(String) } : "not_found");
    });
  });
});
