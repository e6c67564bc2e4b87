/** @module The aggregator's composition root: record ingest, run events, series queries. */
import {
  CONSUMERS,
  ObservationsQuerySchema,
  parseDuration,
  type RunEvent,
  RunEventSchema,
  SeriesQuerySchema,
  STREAMS,
} from "@chartly/contracts";
import { createDatabase, waitForDatabase } from "@chartly/db";
import {
  AppError,
  ensurePullConsumer,
  ensureStreams,
  type RpcBatchItem,
  type RpcOutcome,
  type Runtime,
  requireTenant,
  rpcClient,
  serveRpc,
  startRuntime,
} from "@chartly/platform";
import { type Consumer, jetstream } from "@nats-io/jetstream";
import type { Sql } from "postgres";
import { Counter } from "prom-client";
import { z } from "zod";
import type { Config } from "./config.js";
import { startForecasting } from "./forecast/forecasting.js";
import { startIngestLoop } from "./ingest/consumer.js";
import { keepDeadLetter } from "./ingest/dead-letters.js";
import { createWriter, prepareWrite } from "./ingest/writer.js";
import { FrequencyCache } from "./queries/frequency.js";
import { listDeadLetters, listRecords } from "./queries/records.js";
import { getObservations, getSeries, getSeriesMany, listSeries } from "./queries/series.js";
import { applyRunEvent } from "./runs/events.js";
import { runRetention } from "./storage/retention-job.js";
import { refreshAllRollups } from "./storage/rollups.js";

/** Built once: a zod schema compiles itself on first use. */
const SeriesIdSchema = z.object({ id: z.coerce.number().int() });

/** `series.get` for many callers: one query per tenant among them, an outcome per caller. */
async function getSeriesBatch(
  sql: Sql,
  frequencies: FrequencyCache,
  items: RpcBatchItem[],
): Promise<RpcOutcome[]> {
  const outcomes: RpcOutcome[] = new Array(items.length);
  const byTenant = new Map<string, { index: number; id: number }[]>();
  items.forEach((item, index) => {
    try {
      const tenant = requireTenant(item.ctx);
      const { id } = SeriesIdSchema.parse(item.payload);
      const asked = byTenant.get(tenant) ?? [];
      byTenant.set(tenant, asked);
      asked.push({ index, id });
    } catch (error) {
      outcomes[index] = { ok: false, error };
    }
  });
  // One tenant's failed query fails its own callers only.
  await Promise.all(
    [...byTenant].map(async ([tenant, asked]) => {
      const ids = [...new Set(asked.map((a) => a.id))];
      try {
        const found = await getSeriesMany(sql, tenant, ids, { withFrequency: true, frequencies });
        for (const { index, id } of asked) {
          const series = found.get(id);
          outcomes[index] = series
            ? { ok: true, data: series }
            : { ok: false, error: AppError.notFound(`series ${id}`) };
        }
      } catch (error) {
        for (const { index } of asked) outcomes[index] = { ok: false, error };
      }
    }),
  );
  return outcomes;
}

export interface Aggregator {
  runtime: Runtime;
  stop(): Promise<void>;
}

export async function startAggregator(config: Config): Promise<Aggregator> {
  const runtime = await startRuntime({
    service: "aggregator",
    natsUrl: config.NATS_URL,
    httpPort: config.HTTP_PORT,
    logLevel: config.LOG_LEVEL,
    instanceId: config.INSTANCE_ID,
  });
  const { logger, nc, shutdown } = runtime;
  const database = createDatabase(config.DATABASE_URL, { appName: "chartly-aggregator" });
  shutdown.add("database", () => database.close());
  runtime.addCheck("postgres", () => database.sql`select 1`);
  await waitForDatabase(database.sql, logger);

  const jsm = await ensureStreams(nc);
  const js = jetstream(nc);
  await ensurePullConsumer(jsm, STREAMS.records.name, CONSUMERS.aggregatorRecords, {
    ackWaitMs: config.INGEST_ACK_WAIT_MS,
  });
  await ensurePullConsumer(jsm, STREAMS.events.name, CONSUMERS.aggregatorRuns, {
    ackWaitMs: 30_000,
    filterSubject: "chartly.events.run.>",
  });

  const observations = new Counter({
    name: "chartly_observations_written_total",
    help: "Observations written, by outcome (inserted, updated, unchanged).",
    labelNames: ["outcome"],
    registers: [runtime.metrics],
  });
  const writer = createWriter(database.sql);
  const ingest = startIngestLoop({
    consumer: await js.consumers.get(STREAMS.records.name, CONSUMERS.aggregatorRecords),
    nc,
    prepare: prepareWrite,
    write: writer.apply,
    logger,
    maxMessages: config.INGEST_BATCH_MESSAGES,
    concurrency: config.INGEST_CONCURRENCY,
    onDeadLetter: (letter) => keepDeadLetter(database.sql, letter),
    onWritten: (result) => {
      observations.inc({ outcome: "inserted" }, result.inserted);
      observations.inc({ outcome: "updated" }, result.updated);
      observations.inc({ outcome: "unchanged" }, result.unchanged);
    },
  });
  runtime.addCheck("ingest", async () => {
    if (!ingest.healthy()) throw new Error("the last write to Postgres failed; retrying");
  });

  const runEvents = startRunEventLoop(
    await js.consumers.get(STREAMS.events.name, CONSUMERS.aggregatorRuns),
    async (event) => applyRunEvent(database.sql, event),
    runtime,
  );

  let refreshing: Promise<unknown> | undefined;
  const rollupTimer = setInterval(() => {
    refreshing ??= refreshAllRollups(database.sql, 50)
      .catch((error) => logger.warn({ err: error }, "refreshing rollups failed; will retry"))
      .finally(() => {
        refreshing = undefined;
      });
  }, config.ROLLUP_INTERVAL_MS);
  shutdown.add("rollups", async () => {
    clearInterval(rollupTimer);
    await refreshing;
  });

  const registry = rpcClient(nc, 10_000);
  const retention = () => runRetention(database.sql, registry, config.RETENTION_DEFAULT, logger);
  const retentionTimer = setInterval(() => {
    retention().catch((error) => logger.warn({ err: error }, "retention did not run"));
  }, config.RETENTION_INTERVAL_MS);
  shutdown.add("retention", async () => clearInterval(retentionTimer));

  const forecasting = await startForecasting(runtime, database.sql, {
    workers: config.FORECAST_WORKERS,
    maxPoints: config.FORECAST_MAX_POINTS,
    requestDeadlineMs: config.FORECAST_REQUEST_TIMEOUT_MS,
    jobDeadlineMs: config.FORECAST_JOB_TIMEOUT_MS,
    ackWaitMs: config.FORECAST_ACK_WAIT_MS,
    clockIntervalMs: config.FORECAST_CLOCK_INTERVAL_MS,
    skippedRetentionMs: parseDuration(config.FORECAST_SKIPPED_RETENTION) as number,
    runsKept: config.FORECAST_RUNS_KEPT,
    maxSpecsPerTenant: config.FORECAST_MAX_SPECS_PER_TENANT,
  });
  shutdown.add("forecasting", () => forecasting.stop());

  const frequencies = new FrequencyCache();
  const rpc = serveRpc(
    nc,
    "aggregator",
    {
      ...forecasting.handlers,
      /** Runs retention now (operators; tests). Answers null when another replica is running it. */
      "retention.run": () => retention().then((report) => report ?? null),
      health: () => runtime.health(),
      "series.list": (payload, ctx) =>
        listSeries(database.sql, requireTenant(ctx), SeriesQuerySchema.parse(payload)),
      "series.get": async (payload, ctx) => {
        const { id } = SeriesIdSchema.parse(payload);
        const series = await getSeries(database.sql, requireTenant(ctx), id, {
          withFrequency: true,
          frequencies,
        });
        if (!series) throw AppError.notFound(`series ${id}`);
        return series;
      },
      "records.list": (payload, ctx) => listRecords(database.sql, requireTenant(ctx), payload),
      "deadletters.list": (payload, ctx) => listDeadLetters(database.sql, requireTenant(ctx), payload),
      "series.observations": async (payload, ctx) => {
        const tenant = requireTenant(ctx);
        const query = ObservationsQuerySchema.parse(payload);
        const series = await getSeries(database.sql, tenant, query.seriesId);
        if (!series) throw AppError.notFound(`series ${query.seriesId}`);
        const items = await getObservations(database.sql, tenant, query, series);
        return {
          series,
          ...(query.interval ? { interval: query.interval, agg: query.agg } : {}),
          ...(query.maxPoints ? { maxPoints: query.maxPoints } : {}),
          items,
        };
      },
    },
    {
      logger,
      metrics: runtime.metrics,
      batchHandlers: {
        // Many callers' series (the gateway batches concurrent reads): one query per tenant.
        "series.get": (items) => getSeriesBatch(database.sql, frequencies, items),
      },
    },
  );
  // Stop order (reverse of registration): RPC, then both loops finish their current batch,
  // then the database closes, then NATS drains.
  shutdown.add("ingest", () => Promise.all([ingest.stop(), runEvents.stop()]));
  shutdown.add("rpc", () => rpc.drain());
  await rpc.ready;
  logger.info("aggregator ready");
  return { runtime, stop: () => shutdown.stop() };
}

function startRunEventLoop(
  consumer: Consumer,
  apply: (event: RunEvent) => Promise<void>,
  runtime: Runtime,
): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const messages = await consumer.fetch({ max_messages: 100, expires: 1_000 });
        for await (const msg of messages) {
          const parsed = RunEventSchema.safeParse(jsonOrUndefined(msg.data));
          if (!parsed.success) {
            runtime.logger.warn({ subject: msg.subject }, "ignoring a malformed run event");
            msg.term();
            continue;
          }
          try {
            await apply(parsed.data);
            msg.ack();
          } catch (error) {
            runtime.logger.error({ err: error, runId: parsed.data.runId }, "applying a run event failed");
            msg.nak(1_000);
          }
        }
      } catch (error) {
        if (running) {
          runtime.logger.warn({ err: error }, "fetching run events failed");
          await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

function jsonOrUndefined(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
