/** @module The aggregator's environment. */
import { parseDuration } from "@chartly/contracts";
import { baseConfigShape, loadConfig as load } from "@chartly/platform";
import { z } from "zod";

export const ConfigSchema = z.object({
  ...baseConfigShape,
  HTTP_PORT: baseConfigShape.HTTP_PORT.default(8093),
  DATABASE_URL: z.string().min(1),
  /** Record batches (messages) taken from RECORDS per transaction. */
  INGEST_BATCH_MESSAGES: z.coerce.number().int().positive().default(64),
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
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  load(ConfigSchema, env);
