/** @module The drone's environment. */
import { hostname } from "node:os";
import { DEFAULT_POOL } from "@chartly/contracts";
import { baseConfigShape, loadConfig as load } from "@chartly/platform";
import { z } from "zod";

export const ConfigSchema = z.object({
  ...baseConfigShape,
  /** 0 picks a free port, so several drones can share a host. */
  HTTP_PORT: baseConfigShape.HTTP_PORT.default(0),
  /** Stable identity of this drone; generated from the host name and pid when unset. */
  DRONE_ID: z
    .string()
    .regex(/^[\w.-]{1,100}$/, "letters, digits, '.', '-' or '_' only")
    .optional(),
  /** The work queue this drone takes jobs from. */
  DRONE_POOL: z
    .string()
    .regex(/^[\w-]{1,50}$/)
    .default(DEFAULT_POOL),
  /** What this drone declares about itself, as `name=value` pairs: `region=eu,zone=dmz`. */
  DRONE_LABELS: z
    .string()
    .regex(/^([\w.-]+=[\w.:/-]*)(,[\w.-]+=[\w.:/-]*)*$/, "name=value pairs separated by commas")
    .optional()
    .transform((text) =>
      text ? Object.fromEntries(text.split(",").map((pair) => pair.split("=", 2) as [string, string])) : {},
    ),
  /** Jobs run at the same time. */
  DRONE_CAPACITY: z.coerce.number().int().min(1).max(64).default(2),
  /** How long a job may run before its lease must be renewed (renewed every third of it). */
  DRONE_LEASE_MS: z.coerce.number().int().min(3_000).default(60_000),
  DRONE_HEARTBEAT_MS: z.coerce.number().int().min(500).default(5_000),
  /** Records per batch published to RECORDS. */
  DRONE_BATCH_RECORDS: z.coerce.number().int().min(1).max(50_000).default(1_000),
  /**
   * A directory holding one file per secret (`${secret:NAME}` reads the file NAME), as Docker and
   * Kubernetes mount them. `CHARTLY_SECRET_<NAME>` variables are read first.
   */
  CHARTLY_SECRETS_DIR: z.string().optional(),
  /** Edge mode (drone API over HTTP) is not available yet: this must stay unset. */
  CONTROL_PLANE: z.string().optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  load(ConfigSchema, env);

export const droneIdOf = (config: Config): string =>
  config.DRONE_ID ?? `drone-${hostname().replace(/[^\w.-]/g, "-")}-${process.pid}`;
