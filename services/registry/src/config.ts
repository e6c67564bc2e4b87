/** @module The registry's environment. */
import { DEFAULT_TENANT } from "@chartly/contracts";
import { baseConfigShape, envBoolean, loadConfig as load } from "@chartly/platform";
import { z } from "zod";

export const ConfigSchema = z.object({
  ...baseConfigShape,
  HTTP_PORT: baseConfigShape.HTTP_PORT.default(8091),
  DATABASE_URL: z.string().min(1),
  /** Folder of YAML profiles, read at start and watched for changes. */
  PROFILES_DIR: z.string().default("profiles/demo"),
  /** Tenant that profiles loaded from PROFILES_DIR belong to. */
  DEFAULT_TENANT: z.string().default(DEFAULT_TENANT),
  PROFILES_WATCH: envBoolean(true),
  /** Full rescan period, a safety net for changes the file watcher misses. */
  PROFILES_RESCAN_MS: z.coerce.number().int().positive().default(30_000),
});
export type Config = z.infer<typeof ConfigSchema>;

export const loadConfig = (env: Record<string, string | undefined> = process.env): Config =>
  load(ConfigSchema, env);
