/**
 * @module Runs one forecast: loads the series' latest points, fits them in the worker pool under a
 * deadline, and stores the run (succeeded with its points and version, failed with the reason, or
 * skipped when a recurring forecast has no new data). Used for on-demand forecasts and for jobs.
 */
import { randomUUID } from "node:crypto";
import type { ErrorCode, ForecastJob, ForecastRequest, ForecastRun } from "@chartly/contracts";
import type { ModelName } from "@chartly/forecast";
import { AppError, type Logger } from "@chartly/platform";
import type { Sql } from "postgres";
import type { FitReply } from "./fit-worker.js";
import { futureTimestamps } from "./horizon.js";
import type { ForecastMetrics } from "./metrics.js";
import type { FitPool } from "./pool.js";
import {
  claimJobRun,
  type FitSuccess,
  finishFailed,
  finishSkipped,
  finishSucceeded,
  getRun,
  lastVerdict,
  type RunTarget,
  startRun,
} from "./runs-store.js";
import { getSpecRow } from "./specs-store.js";
import { loadTraining, type TrainingData } from "./training.js";

export interface ForecasterOptions {
  sql: Sql;
  pool: FitPool;
  logger: Logger;
  metrics: ForecastMetrics;
  /** This replica, recorded on the runs it fits. */
  instance: string;
  /** The latest points a fit trains on. */
  maxPoints: number;
  /** A fit running longer is stopped (its thread ended) and the run fails. */
  requestDeadlineMs: number;
  jobDeadlineMs: number;
}

/** Thrown when a fit is cut short because the service is stopping; its job is handed back. */
export class StoppingError extends Error {
  override readonly name = "StoppingError";
  constructor() {
    super("the service is stopping; the job goes back to the queue");
  }
}

/** Deliveries of a job before its run is failed as interrupted. */
export const MAX_JOB_DELIVERIES = 5;

export type JobOutcome = "succeeded" | "failed" | "skipped" | "dropped";

type FitOutcome =
  | { ok: true; fit: FitSuccess }
  | { ok: false; error: { code: string; message: string }; fitMs?: number };

/** Library error codes as the API's error codes, for on-demand answers. */
const API_CODE: Record<string, ErrorCode> = {
  too_short: "invalid_argument",
  invalid_argument: "invalid_argument",
  deadline_exceeded: "deadline_exceeded",
  models_not_loaded: "unavailable",
};

export function createForecaster(options: ForecasterOptions) {
  const { sql, pool, logger, metrics } = options;
  const claimOf = () => `${options.instance}/${randomUUID().slice(0, 8)}`;

  async function fitInPool(
    target: RunTarget,
    data: TrainingData,
    deadlineMs: number,
    stopping?: AbortSignal,
  ): Promise<FitOutcome> {
    if (data.values.length < 2) {
      // Two points at least: the forecast's timestamps follow the series' spacing.
      const has = data.values.length === 0 ? "no points yet" : "only one point";
      return {
        ok: false,
        error: {
          code: "too_short",
          message: `series ${target.seriesId} has ${has}; a forecast needs at least 2`,
        },
      };
    }
    let reply: FitReply;
    try {
      reply = await pool.fit(
        {
          values: data.values,
          timestamps: data.timestamps,
          horizon: target.horizon,
          model: target.model as "auto" | ModelName,
          levels: target.levels,
        },
        stopping
          ? AbortSignal.any([AbortSignal.timeout(deadlineMs), stopping])
          : AbortSignal.timeout(deadlineMs),
      );
    } catch (error) {
      // Shutting down: the run stays `running` and its job goes back to the queue for another replica.
      if (stopping?.aborted) throw new StoppingError();
      if ((error as Error).name === "AbortError" || (error as Error).name === "TimeoutError") {
        return {
          ok: false,
          error: {
            code: "deadline_exceeded",
            message: `the fit did not finish within ${deadlineMs / 1000} s (waiting for a free worker thread included) and was stopped`,
          },
          fitMs: deadlineMs,
        };
      }
      logger.error({ err: error, seriesId: target.seriesId }, "a forecast worker failed");
      return {
        ok: false,
        error: { code: "model_failed", message: `the fit crashed: ${(error as Error).message}` },
      };
    }
    const { outcome, fitMs } = reply;
    if (!outcome.ok)
      return { ok: false, error: { code: outcome.error.code, message: outcome.error.message }, fitMs };
    const times = futureTimestamps(data.timestamps, target.horizon);
    const finite =
      outcome.points.every(Number.isFinite) &&
      outcome.intervals.every((i) => i.lower.every(Number.isFinite) && i.upper.every(Number.isFinite));
    if (!finite) {
      return {
        ok: false,
        error: { code: "model_failed", message: `${outcome.model} produced values that are not finite` },
        fitMs,
      };
    }
    const byLevel = target.levels.map((level) => outcome.intervals.find((i) => i.level === level));
    return {
      ok: true,
      fit: {
        model: outcome.model,
        params: outcome.params,
        backtest: outcome.backtest,
        notes: [
          ...outcome.notes,
          ...(outcome.intervalMethod === "none" ? ["no prediction intervals for this model"] : []),
        ],
        period: outcome.period,
        frequency: outcome.frequency ?? null,
        fitMs,
        points: outcome.points.map((value, k) => ({
          ts: times[k] as number,
          value,
          // A model without intervals gives the point itself as both bounds.
          lower: byLevel.map((i) => i?.lower[k] ?? value),
          upper: byLevel.map((i) => i?.upper[k] ?? value),
        })),
      },
    };
  }

  /** Fits a claimed run and stores the result; false when the claim was lost meanwhile. */
  async function fitAndStore(
    id: number,
    claim: string,
    target: RunTarget,
    data: TrainingData,
    deadlineMs: number,
    stopping?: AbortSignal,
  ) {
    metrics.horizon.observe({ trigger: target.trigger }, target.horizon);
    const result = await fitInPool(target, data, deadlineMs, stopping);
    let stored: boolean;
    if (result.ok && data.training) {
      stored = await finishSucceeded(sql, id, claim, target.seriesId, data.training, result.fit);
      if (stored) metrics.fitSeconds.observe({ model: result.fit.model }, result.fit.fitMs / 1000);
    } else {
      const error = result.ok ? { code: "too_short", message: "no points" } : result.error;
      stored = await finishFailed(sql, id, claim, error, data.training, result.ok ? undefined : result.fitMs);
      if (stored) metrics.failures.inc({ code: error.code });
    }
    if (stored) metrics.fits.inc({ trigger: target.trigger, outcome: result.ok ? "succeeded" : "failed" });
    return { stored, result };
  }

  return {
    /** On demand: fits now, stores the run and answers it with its points; a failed fit is an error naming the run. */
    async forecastNow(tenant: string, seriesId: number, request: ForecastRequest): Promise<ForecastRun> {
      const data = await loadTraining(sql, tenant, seriesId, options.maxPoints);
      if (!data) throw AppError.notFound(`series ${seriesId}`);
      const target: RunTarget = {
        tenant,
        seriesId,
        specId: null,
        trigger: "request",
        slot: null,
        model: request.model,
        horizon: request.horizon,
        levels: request.levels,
      };
      const claim = claimOf();
      const id = await startRun(sql, target, claim);
      const { result } = await fitAndStore(id, claim, target, data, options.requestDeadlineMs);
      if (!result.ok) {
        throw new AppError(
          API_CODE[result.error.code] ?? "internal",
          `${result.error.message} (stored as failed forecast run ${id})`,
          {
            runId: id,
            reason: result.error.code,
          },
        );
      }
      const run = await getRun(sql, tenant, id);
      if (!run) throw new AppError("internal", `forecast run ${id} was not stored`);
      return run;
    },

    /**
     * A queued job (`delivery` counts its deliveries; `retrying` after this replica's own failed
     * attempt, whose claim it may take back): claims its run, skips it when no new data
     * arrived since the spec's last fit, else fits it. A job delivered more than
     * MAX_JOB_DELIVERIES times was interrupted every time (its replicas crashed or stopped during
     * the fit): its run fails instead of taking down one replica after another.
     */
    async runJob(
      job: ForecastJob,
      delivery: number,
      stopping?: AbortSignal,
      retrying = false,
    ): Promise<JobOutcome> {
      const spec = await getSpecRow(sql, job.tenant, job.specId);
      if (!spec || (job.trigger === "schedule" && !spec.enabled)) return "dropped";
      // A deleted series takes its runs with it: nothing to record.
      const data = await loadTraining(sql, job.tenant, job.seriesId, options.maxPoints);
      if (!data) return "dropped";
      const target: RunTarget = {
        tenant: job.tenant,
        seriesId: job.seriesId,
        specId: job.specId,
        trigger: job.trigger,
        slot: job.slot,
        model: spec.model,
        horizon: spec.horizon,
        levels: spec.levels,
      };
      const claim = claimOf();
      const id = await claimJobRun(sql, target, claim, delivery > 1 || retrying);
      if (id === undefined) return "dropped";
      const log = logger.child({ forecastRunId: id, specId: job.specId, seriesId: job.seriesId });
      if (delivery > MAX_JOB_DELIVERIES) {
        const error = {
          code: "interrupted",
          message: `the fit was interrupted ${delivery - 1} times (the replicas fitting it stopped or crashed); not tried again`,
        };
        if (await finishFailed(sql, id, claim, error, data.training))
          metrics.failures.inc({ code: error.code });
        log.error({ delivery }, "a forecast job keeps being interrupted; its run is failed");
        return "failed";
      }
      if (job.trigger === "schedule") {
        // The same data as the last verdict would get the same one: a fit, or too few points.
        const previous = await lastVerdict(sql, target);
        if (previous && previous.marker === (data.training?.marker ?? null)) {
          const note = previous.tooShort
            ? "still too few points to forecast: no new data since the last attempt"
            : "no new data since the last forecast";
          await finishSkipped(sql, id, claim, data.training, note);
          metrics.fits.inc({ trigger: job.trigger, outcome: "skipped" });
          log.debug({ note }, "forecast skipped");
          return "skipped";
        }
      }
      const { stored, result } = await fitAndStore(id, claim, target, data, options.jobDeadlineMs, stopping);
      if (!stored) {
        log.warn("another replica took this forecast over; its result is kept");
        return "dropped";
      }
      if (!result.ok) log.info({ error: result.error }, "forecast failed");
      return result.ok ? "succeeded" : "failed";
    },
  };
}

export type Forecaster = ReturnType<typeof createForecaster>;
