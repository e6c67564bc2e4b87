/**
 * @module Configuration from the environment, validated by a zod schema.
 * Every variable may instead be given as `<NAME>_FILE` naming a file that holds the value
 * (how container platforms mount secrets). All problems are reported at once.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): z.infer<S> {
  const problems: string[] = [];
  const values: Env = {};
  for (const key of Object.keys(schema.shape)) {
    const direct = env[key];
    const file = env[`${key}_FILE`];
    if (direct !== undefined && direct !== "" && file) {
      problems.push(`${key}: set both ${key} and ${key}_FILE; set only one`);
    } else if (file) {
      try {
        values[key] = readFileSync(file, "utf8").replace(/\r?\n$/, "");
      } catch (error) {
        problems.push(`${key}_FILE: cannot read ${file} (${(error as Error).message})`);
      }
    } else if (direct !== undefined && direct !== "") {
      values[key] = direct;
    }
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join(".");
      const missing = values[key] === undefined;
      problems.push(`${key}: ${missing ? "is required" : issue.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed.data as z.infer<S>;
}

/** `true/false/1/0/yes/no` as a boolean env variable. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], {
      message: "must be true or false",
    })
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

/** Variables every Chartly process reads. */
export const baseConfigShape = {
  /** Where NATS answers; comma-separated for a cluster. */
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** Port of this process's /health, /ready and /metrics (0 picks a free one). */
  HTTP_PORT: z.coerce.number().int().min(0).max(65535),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  /** Tells replicas apart in logs and health; defaults to host name and pid. */
  INSTANCE_ID: z.string().optional(),
};
