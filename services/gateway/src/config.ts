/** @module The gateway's environment. Secrets (`AUTH_JWT_HS256_SECRET`, `DRONE_LEASE_SECRET`, `DATABASE_URL`) may be given as `<NAME>_FILE`. */
import { DEFAULT_TENANT } from "@chartly/contracts";
import { baseConfigShape, ConfigError, envBoolean, loadConfig as load } from "@chartly/platform";
import { z } from "zod";

/** `1048576`, `512kb`, `1mb`: a size in bytes. */
const byteSize = z
  .string()
  .regex(/^\d+\s*(b|kb|kib|mb|mib)?$/i, "must be a number of bytes, optionally with kb or mb")
  .transform((text) => {
    const match = /^(\d+)\s*([a-z]*)$/i.exec(text) as RegExpExecArray;
    const unit = (match[2] ?? "").toLowerCase();
    const factor = unit.startsWith("m") ? 1024 * 1024 : unit.startsWith("k") ? 1024 : 1;
    return Number(match[1]) * factor;
  });

const list = z
  .string()
  .transform((text) =>
    text
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .default([]);

export const ConfigSchema = z.object({
  ...baseConfigShape,
  /** `development` turns authentication off unless AUTH_REQUIRED says otherwise. */
  NODE_ENV: z.string().default("production"),
  /** The public port: the API, /health, /ready and /metrics. */
  HTTP_PORT: baseConfigShape.HTTP_PORT.default(8090),
  /** Managed API keys and the audit log live here. */
  DATABASE_URL: z.string().min(1),
  /** Tenant of anonymous requests (auth off) and of credentials without one (AUTH_TENANT_REQUIRED=false). */
  DEFAULT_TENANT: z.string().default(DEFAULT_TENANT),
  /** How long to wait for a service to answer. */
  RPC_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** Batches of one read method out at a time; calls made meanwhile go together in the next. */
  RPC_BATCHES_IN_FLIGHT: z.coerce.number().int().positive().default(4),

  /** Refuse anonymous requests; defaults to true unless NODE_ENV=development. */
  AUTH_REQUIRED: z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "must be true or false" })
    .transform((v) => v === "true" || v === "1" || v === "yes")
    .optional(),
  /** Refuse credentials that name no tenant; when false they get DEFAULT_TENANT. */
  AUTH_TENANT_REQUIRED: envBoolean(true),
  /** A JSON file of API keys (format in docs/security.md), re-read when it changes. */
  AUTH_API_KEYS_FILE: z.string().min(1).optional(),
  /** How often the keys file is checked for changes. */
  AUTH_API_KEYS_TTL_SECONDS: z.coerce.number().min(0).default(10),
  /** Managed keys found in Postgres are trusted this long before being looked up again. */
  AUTH_API_KEYS_CACHE_SECONDS: z.coerce.number().min(0).default(5),
  /** Shared secret for HS256 tokens. */
  AUTH_JWT_HS256_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** Key set for RS256 and ES256 tokens; cached, fetched again when a token names an unknown kid. */
  AUTH_JWT_JWKS_URL: z.url().optional(),
  /** Least time between two fetches of the key set (an unknown kid triggers one). */
  AUTH_JWT_JWKS_COOLDOWN_SECONDS: z.coerce.number().min(0).default(30),
  /** Required `iss` and `aud` of every token. */
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  /** Clock skew tolerated on `exp` and `nbf`. */
  AUTH_JWT_LEEWAY_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** Claim holding the tenant (a string, or a list of tenants). */
  AUTH_JWT_TENANT_CLAIM: z.string().min(1).default("tenant"),
  /** Claim holding the roles (a list, or a space-separated string). */
  AUTH_JWT_ROLES_CLAIM: z.string().min(1).default("roles"),

  /** Browser origins allowed to call the API (comma-separated); none by default. */
  CORS_ALLOWED_ORIGINS: list,
  /** Largest request body accepted. */
  MAX_REQUEST_SIZE: byteSize.default(1024 * 1024),

  RATE_LIMIT_ENABLED: envBoolean(true),
  /** Length of a rate-limit window. */
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Requests per window for one credential, across every gateway replica. */
  RATE_LIMIT_PER_PRINCIPAL: z.coerce.number().int().min(1).default(1200),
  /** Requests per window from one client address, authenticated or not. */
  RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(2400),
  /** Take the client address from the last X-Forwarded-For entry (behind a trusted proxy only). */
  TRUST_PROXY: envBoolean(false),

  /**
   * Signs the leases edge drones hold (HMAC-SHA256); the same on every replica, so any replica
   * accepts a lease another granted. Without it the drone API answers 503.
   */
  DRONE_LEASE_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
});
export type Config = z.infer<typeof ConfigSchema>;

export const authRequired = (config: Config): boolean =>
  config.AUTH_REQUIRED ?? config.NODE_ENV !== "development";

/** Reads and checks the configuration; refuses auth that is required but has nothing to check against. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const given = (name: string) => Boolean(env[name] || env[`${name}_FILE`]);
  const problems: string[] = [];
  const jwt = given("AUTH_JWT_HS256_SECRET") || given("AUTH_JWT_JWKS_URL");
  const required = env.AUTH_REQUIRED
    ? ["true", "1", "yes"].includes(env.AUTH_REQUIRED)
    : (env.NODE_ENV ?? "production") !== "development";
  if (required && !given("AUTH_API_KEYS_FILE") && !jwt) {
    // Managed keys alone cannot bootstrap: creating one takes an admin credential.
    problems.push(
      "AUTH_REQUIRED: authentication is required but no credential source is configured; set AUTH_API_KEYS_FILE, AUTH_JWT_HS256_SECRET or AUTH_JWT_JWKS_URL (or AUTH_REQUIRED=false for a trusted network)",
    );
  }
  if (jwt && !given("AUTH_JWT_ISSUER")) problems.push("AUTH_JWT_ISSUER: is required when JWTs are accepted");
  if (jwt && !given("AUTH_JWT_AUDIENCE"))
    problems.push("AUTH_JWT_AUDIENCE: is required when JWTs are accepted");
  let config: Config | undefined;
  try {
    config = load(ConfigSchema, env);
  } catch (error) {
    // Every problem at once, the schema's and ours.
    if (error instanceof ConfigError) throw new ConfigError([...error.problems, ...problems]);
    throw error;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
