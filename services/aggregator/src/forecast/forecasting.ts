/**
 * @module Forecasting in the aggregator, wired: the worker pool (probed at start so `/ready`
 * tells whether the WebAssembly models work), the runner, the `FORECASTS` queue consumer, the
 * clock of recurring specs and the RPC methods.
 */
import { CONSUMERS, STREAMS } from "@chartly/contracts";
import { ensurePullConsumer, ensureStreams, type RpcHandler, type Runtime } from "@chartly/platform";
import { jetstream } from "@nats-io/jetstream";
import type { Sql } from "postgres";
import { forecastMetrics } from "./metrics.js";
import { createFitPool } from "./pool.js";
import { startForecastQueue } from "./queue.js";
import { forecastHandlers } from "./rpc.js";
import { createForecaster } from "./runner.js";
import { failAbandonedRequestRuns, pruneAllFinishedRuns, pruneSkippedRuns } from "./runs-store.js";
import { startForecastClock } from "./scheduler.js";

export interface ForecastingOptions {
  workers: number;
  maxPoints: number;
  requestDeadlineMs: number;
  jobDeadlineMs: number;
  ackWaitMs: number;
  clockIntervalMs: number;
  /** Skipped runs older than this are deleted. */
  skippedRetentionMs: number;
  /** Finished runs kept per series and spec (the newest succeeded one always is). */
  runsKept: number;
  /** Specs a tenant may have at once. */
  maxSpecsPerTenant?: number;
}

const PRUNE_INTERVAL_MS = 3_600_000;
const FIRST_PRUNE_MS = 60_000;

/** An on-demand run still running this long after its start was abandoned (its fit is bounded by the request deadline). */
const ABANDONED_REQUEST_MS = 600_000;

export interface Forecasting {
  handlers: Record<string, RpcHandler>;
  /** Stops pulling jobs and the clock, waits for the fits in progress, ends the threads. */
  stop(): Promise<void>;
}

export async function startForecasting(
  runtime: Runtime,
  sql: Sql,
  options: ForecastingOptions,
): Promise<Forecasting> {
  const { logger, nc } = runtime;
  const pool = createFitPool(options.workers);
  let probe: { ok: true; models: string[] } | { ok: false; error: string };
  try {
    probe = { ok: true, ...(await pool.probe()) };
    logger.info({ models: probe.models, workers: pool.size }, "forecast models loaded");
  } catch (error) {
    // The service still serves data; forecasts with the local models still work, and /ready says why.
    probe = { ok: false, error: (error as Error).message };
    logger.error({ err: error }, "the forecast models could not be loaded");
  }
  runtime.addCheck("forecast-models", async () => {
    if (!probe.ok) throw new Error(`the augurs WebAssembly models did not load: ${probe.error}`);
    return probe.models;
  });

  const jsm = await ensureStreams(nc, ["forecasts"]);
  await ensurePullConsumer(jsm, STREAMS.forecasts.name, CONSUMERS.aggregatorForecasts, {
    ackWaitMs: options.ackWaitMs,
    maxAckPending: 10_000,
  });
  const js = jetstream(nc);
  const forecaster = createForecaster({
    sql,
    pool,
    logger,
    metrics: forecastMetrics(runtime.metrics),
    instance: runtime.instance,
    maxPoints: options.maxPoints,
    requestDeadlineMs: options.requestDeadlineMs,
    jobDeadlineMs: options.jobDeadlineMs,
  });
  const queue = startForecastQueue({
    consumer: await js.consumers.get(STREAMS.forecasts.name, CONSUMERS.aggregatorForecasts),
    // One thread stays free for on-demand forecasts (whose callers wait), when there are two or more.
    lanes: Math.max(1, pool.size - 1),
    ackWaitMs: options.ackWaitMs,
    run: forecaster.runJob,
    logger,
  });
  const clock = startForecastClock(sql, js, logger, options.clockIntervalMs);
  const housekeeping = () => {
    pruneSkippedRuns(sql, options.skippedRetentionMs)
      .then((n) => n > 0 && logger.info({ deleted: n }, "old skipped forecast runs deleted"))
      .catch((error) => logger.warn({ err: error }, "deleting old skipped forecast runs failed"));
    pruneAllFinishedRuns(sql, options.runsKept)
      .then((n) => n > 0 && logger.info({ deleted: n }, "old forecast runs deleted"))
      .catch((error) => logger.warn({ err: error }, "deleting old forecast runs failed"));
    failAbandonedRequestRuns(sql, Math.max(ABANDONED_REQUEST_MS, 2 * options.requestDeadlineMs))
      .then((n) => n > 0 && logger.warn({ failed: n }, "abandoned on-demand forecast runs failed"))
      .catch((error) => logger.warn({ err: error }, "failing abandoned on-demand forecast runs failed"));
  };
  // A first pass soon after start, so a replica restarted more often than hourly still prunes.
  const firstPass = setTimeout(housekeeping, FIRST_PRUNE_MS);
  firstPass.unref();
  const prune = setInterval(housekeeping, PRUNE_INTERVAL_MS);
  return {
    handlers: forecastHandlers(sql, () => js, forecaster, { maxSpecsPerTenant: options.maxSpecsPerTenant }),
    async stop() {
      clearTimeout(firstPass);
      clearInterval(prune);
      await Promise.all([queue.stop(), clock.stop()]);
      await pool.close();
    },
  };
}
