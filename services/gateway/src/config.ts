/** @module The gateway's environment. */
import { DEFAULT_TENANT } from "@chartly/contracts";
import { baseConfigShape, loadConfig as load } from "@chartly/platform";
import { z } from "zod";

export const ConfigSchema = z.object({
  ...baseConfigShape,
  /** The public port: the API, /health, /ready and /metrics. */
  HTTP_PORT: baseConfigShape.HTTP_PORT.default(8090),
  /** Tenant of every request until authentication assigns one per credential. */
  DEFAULT_TENANT: z.string().default(DEFAULT_TENANT),
  /** How long to wait for a service to answer. */
  RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  load(ConfigSchema, env);
