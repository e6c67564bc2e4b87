/** @module The aggregator's environment. */
import { FORECAST_REQUEST_DEADLINE_MS, parseDuration } from "@chartly/contracts";
import { baseConfigShape, loadConfig as load, usableCpus } from "@chartly/platform";
import { z } from "zod";

export const ConfigSchema = z.object({
  ...baseConfigShape,
  HTTP_PORT: baseConfigShape.HTTP_PORT.default(8093),
  DATABASE_URL: z.string().min(1),
  /** Record batches (messages) taken from RECORDS per transaction. */
  INGEST_BATCH_MESSAGES: z.coerce.number().int().positive().default(64),
  /**
   * Write transactions in flight at once; groups touching the same series wait for each other.
   * Two keep both of Postgres's cores busy on a small machine while this process prepares the next.
   */
  INGEST_CONCURRENCY: z.coerce.number().int().positive().default(2),
  /** How long a pulled message may stay unacknowledged before it is redelivered. */
  INGEST_ACK_WAIT_MS: z.coerce.number().int().positive().default(60_000),
  /** Retention of profiles that set none (`90d`, `5y`); unset keeps their points forever. */
  RETENTION_DEFAULT: z
    .string()
    .refine((t) => parseDuration(t) !== undefined, "must be a duration such as 90d or 5y")
    .optional(),
  /** How often hourly rollups are brought up to date behind ingest. */
  ROLLUP_INTERVAL_MS: z.coerce.number().int().positive().default(1_000),
  /** How often retention runs. */
  RETENTION_INTERVAL_MS: z.coerce.number().int().positive().default(3_600_000),
  /**
   * Worker threads that fit forecasts (the fits run at once); by default one per CPU the process
   * may use, a container's CPU limit included.
   */
  FORECAST_WORKERS: z.coerce.number().int().positive().default(usableCpus()),
  /** The latest points of a series a forecast trains on. */
  FORECAST_MAX_POINTS: z.coerce.number().int().min(10).default(5_000),
  /** An on-demand forecast whose fit takes longer is stopped and fails; the gateway waits a little longer. */
  FORECAST_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .max(FORECAST_REQUEST_DEADLINE_MS)
    .default(FORECAST_REQUEST_DEADLINE_MS),
  /** A queued forecast job whose fit takes longer is stopped and fails. */
  FORECAST_JOB_TIMEOUT_MS: z.coerce.number().int().positive().default(600_000),
  /** A forecast job not renewed for this long (its replica died) goes to another replica. */
  FORECAST_ACK_WAIT_MS: z.coerce.number().int().min(3_000).default(30_000),
  /** How often the clock of recurring forecasts looks for due slots. */
  FORECAST_CLOCK_INTERVAL_MS: z.coerce.number().int().positive().default(5_000),
  /** Forecast specs one tenant may have at once; creating one more answers 409. */
  FORECAST_MAX_SPECS_PER_TENANT: z.coerce.number().int().positive().default(1_000),
  /**
   * Finished (succeeded or failed) forecast runs kept per series and spec, on-demand runs of a
   * series counting as one spec; older ones are deleted with their points. The newest
   * succeeded run is always kept.
   */
  FORECAST_RUNS_KEPT: z.coerce.number().int().min(1).default(100),
  /** How long `skipped` forecast runs (a slot with no new data) are kept. */
  FORECAST_SKIPPED_RETENTION: z
    .string()
    .refine((t) => parseDuration(t) !== undefined, "must be a duration such as 7d or 12h")
    .default("7d"),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  load(ConfigSchema, env);
