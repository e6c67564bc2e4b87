/** @module The aggregator's environment. */
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
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  load(ConfigSchema, env);
