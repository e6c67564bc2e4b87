/** @module The drone's environment. */
import { hostname } from "node:os";
import { DEFAULT_POOL } from "@chartly/contracts";
import { baseConfigShape, loadConfig as load } from "@chartly/platform";
import { z } from "zod";
import { parseAllowList } from "./source/guard.js";

export const ConfigSchema = z.object({
  ...baseConfigShape,
  /** 0 picks a free port, so several drones can share a host. */
  HTTP_PORT: baseConfigShape.HTTP_PORT.default(0),
  /** Stable identity of this drone; generated from the host name and pid when unset. */
  DRONE_ID: z
    .string()
    .regex(
      /^(?!\.)[\w.-]{1,100}(?<!\.)$/,
      "letters, digits, '.', '-' or '_' only, not starting or ending with '.'",
    )
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
  /**
   * Non-public destinations sources may reach, as host names, IP addresses and CIDR blocks
   * (`127.0.0.1/32,localhost,10.0.0.0/8`). Empty by default: only public addresses are fetched.
   */
  DRONE_ALLOW_NETWORKS: z
    .string()
    .default("")
    .transform((text, ctx) => {
      const parsed = parseAllowList(text);
      if (parsed.ok) return parsed.value;
      ctx.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    }),
  /**
   * Edge mode: the gateway's URL (`http://host:8090`). The drone then talks HTTP to the gateway's
   * drone API instead of NATS, and keeps what it collects in an on-disk outbox until it is sent.
   */
  CONTROL_PLANE: z
    .url({ protocol: /^https?$/, message: "must be an http(s) URL such as http://host:8090" })
    .optional(),
  /** The edge drone's credential (an API key or JWT with the `drone` role). */
  CONTROL_PLANE_API_KEY: z.string().min(1).optional(),
  /** Where an edge drone keeps its outbox; `.data/outbox/<drone id>` by default. */
  DRONE_OUTBOX_DIR: z.string().min(1).optional(),
  /** How long a stopping edge drone keeps trying to send its outbox before leaving it on disk. */
  DRONE_OUTBOX_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  load(ConfigSchema, env);

/**
 * The drone's id: `DRONE_ID`, else made from the host name (and the pid, for NATS drones; an edge
 * drone's id stays the same across restarts, since it finds its outbox and its drain by it).
 */
export const droneIdOf = (config: Config): string => {
  if (config.DRONE_ID) return config.DRONE_ID;
  const host = `drone-${hostname().replace(/[^\w.-]/g, "-")}`;
  return config.CONTROL_PLANE ? host : `${host}-${process.pid}`;
};
