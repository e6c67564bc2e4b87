/** @module The coordinator's environment. */
import { baseConfigShape, loadConfig as load } from "@chartly/platform";
import { z } from "zod";

export const ConfigSchema = z.object({
  ...baseConfigShape,
  HTTP_PORT: baseConfigShape.HTTP_PORT.default(8092),
  DATABASE_URL: z.string().min(1),
  /** How often the clock looks for due slots. */
  TICK_MS: z.coerce.number().int().positive().default(1_000),
  /** How often the profile list is refreshed from the registry (also on every profile event). */
  PROFILE_REFRESH_MS: z.coerce.number().int().positive().default(10_000),
  /** A drone silent for this long is shown as lost, and its running runs are marked re-queued. */
  DRONE_LIVENESS_MS: z.coerce.number().int().positive().default(15_000),
  /**
   * The leader lease (the TTL of the `chartly_leader` bucket when this replica creates it). A
   * follower takes over at most this long (plus a poll of at most 1 s) after the leader stopped.
   */
  LEADER_LEASE_MS: z.coerce.number().int().min(1_000).default(10_000),
  /** Wait before the second attempt of a failed run; doubled for each next one. */
  RETRY_BACKOFF_MS: z.coerce.number().int().positive().default(30_000),
  /** Longest wait between two attempts. */
  RETRY_BACKOFF_MAX_MS: z.coerce.number().int().positive().default(900_000),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  load(ConfigSchema, env);
