/**
 * Real servers for the gateway's tests: a nats-server, a Postgres database cloned from the migrated
 * template, and stand-ins for the registry, coordinator and aggregator that serve RPC on real NATS
 * and, like the real services, answer only with the caller's tenant's data.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidateProfileRequestSchema, validateProfileText } from "@chartly/contracts";
import {
  AppError,
  ensureStreams,
  type RpcContext,
  type RpcServer,
  requireTenant,
  rpcClient,
  serveRpc,
} from "@chartly/platform";
import { createTestDatabase, type NatsServer, startNatsServer, type TestDatabase } from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import postgres from "postgres";
import { inject } from "vitest";
import type { App } from "../src/app.js";
import type { KeysFile } from "../src/auth/keys-file.js";
import { loadConfig } from "../src/config.js";
import { KvRateLimiter } from "../src/limits/rate-limit.js";
import { createApp } from "../src/service.js";

export const silent = pino({ level: "silent" });

/** API keys in the test keys file, by name. */
export const KEYS = {
  admin: "test-admin-key-acme-000000000000",
  editor: "test-editor-key-acme-00000000000",
  operator: "test-operator-key-acme-000000000",
  reader: "test-reader-key-acme-000000000000",
  drone: "test-drone-key-acme-0000000000000",
  ingest: "test-ingest-key-acme-000000000000",
  globexReader: "test-reader-key-globex-0000000000",
  multiAdmin: "test-admin-key-acme-globex-000000",
  expired: "test-expired-key-acme-00000000000",
} as const;

export const KEYS_FILE: KeysFile = {
  keys: [
    { id: "admin", key: KEYS.admin, tenants: ["acme"], roles: ["admin"] },
    { id: "editor", key: KEYS.editor, tenants: ["acme"], roles: ["editor"] },
    { id: "operator", key: KEYS.operator, tenants: ["acme"], roles: ["operator"] },
    { id: "reader", key: KEYS.reader, tenants: ["acme"], roles: ["reader"] },
    { id: "drone", key: KEYS.drone, tenants: ["acme"], roles: ["drone"] },
    { id: "ingest", key: KEYS.ingest, tenants: ["acme"], roles: ["ingest"] },
    { id: "globex-reader", key: KEYS.globexReader, tenants: ["globex"], roles: ["reader"] },
    { id: "multi-admin", key: KEYS.multiAdmin, tenants: ["acme", "globex"], roles: ["admin"] },
    {
      id: "expired",
      key: KEYS.expired,
      tenants: ["acme"],
      roles: ["admin"],
      expiresAt: "2020-01-01T00:00:00Z",
    },
  ],
};

/** Each tenant has a profile `gdp`, a run and a series of its own, under the same ids. */
const DATA: Record<string, { name: string; seriesId: number }> = {
  acme: { name: "Acme GDP", seriesId: 1 },
  globex: { name: "Globex GDP", seriesId: 2 },
};

const profile = (tenant: string) => ({ id: "gdp", tenant, name: DATA[tenant]?.name });
const run = (tenant: string) => ({
  id: "gdp@2024-01-01T00:00:00.000Z",
  tenant,
  profileId: "gdp",
  status: "succeeded",
});
const series = (tenant: string) => ({
  id: DATA[tenant]?.seriesId,
  profileId: "gdp",
  measure: `value-${tenant}`,
});

const own = (ctx: RpcContext) => {
  const tenant = requireTenant(ctx);
  if (!DATA[tenant]) throw AppError.notFound(`tenant ${tenant}`);
  return tenant;
};

/** Serves the services' RPC methods the gateway calls, filtering by the caller's tenant. */
export function serveStandIns(nc: NatsConnection, seen: RpcContext[] = []): RpcServer[] {
  const log = (ctx: RpcContext) => {
    seen.push(ctx);
    return own(ctx);
  };
  const options = { logger: silent };
  const health = (service: string) => () => ({ service, instance: "t1", status: "ok", checks: {} });
  return [
    serveRpc(
      nc,
      "registry",
      {
        health: health("registry"),
        "profiles.list": (_p, ctx) => [profile(log(ctx))],
        // The registry's own check: it is pure, so the stand-in runs the real one.
        "profiles.validate": (payload) => {
          const { yaml, file } = ValidateProfileRequestSchema.parse(payload);
          return validateProfileText(yaml, file);
        },
        "profiles.get": (payload, ctx) => {
          const tenant = log(ctx);
          const { id } = payload as { id: string };
          if (id !== "gdp") throw AppError.notFound(`profile ${id}`);
          return profile(tenant);
        },
      },
      options,
    ),
    serveRpc(
      nc,
      "coordinator",
      {
        health: health("coordinator"),
        "runs.list": (_p, ctx) => ({ items: [run(log(ctx))], total: 1 }),
        "runs.get": (payload, ctx) => {
          const tenant = log(ctx);
          if ((payload as { id: string }).id !== run(tenant).id) throw AppError.notFound("run");
          return run(tenant);
        },
        "runs.trigger": (payload, ctx) => ({ ...run(log(ctx)), trigger: "manual", payload }),
        "drones.list": (_p, ctx) => (log(ctx) ? { items: [] } : { items: [] }),
        "drones.get": (payload, ctx) => {
          log(ctx);
          throw AppError.notFound(`drone ${(payload as { id: string }).id}`);
        },
      },
      options,
    ),
    serveRpc(
      nc,
      "aggregator",
      {
        health: health("aggregator"),
        "series.list": (payload, ctx) => ({
          items: [series(log(ctx))],
          limit: 100,
          offset: 0,
          total: 1,
          payload,
        }),
        "series.get": (payload, ctx) => {
          const tenant = log(ctx);
          if (Number((payload as { id: unknown }).id) !== DATA[tenant]?.seriesId)
            throw AppError.notFound("series");
          return series(tenant);
        },
        "series.observations": (payload, ctx) => {
          const tenant = log(ctx);
          if (Number((payload as { seriesId: unknown }).seriesId) !== DATA[tenant]?.seriesId) {
            throw AppError.notFound("series");
          }
          return { series: series(tenant), items: [{ ts: "2024-01-01T00:00:00.000Z", value: 1.5 }] };
        },
        "records.list": (_p, ctx) => ({ items: [], limit: 100, offset: 0, tenant: log(ctx) }),
        "deadletters.list": (_p, ctx) => ({ items: [], limit: 100, offset: 0, tenant: log(ctx) }),
      },
      options,
    ),
  ];
}

export interface World {
  nats: NatsServer;
  nc: NatsConnection;
  database: TestDatabase;
  sql: postgres.Sql;
  keysFile: string;
  /** Every RPC context the stand-ins saw. */
  seen: RpcContext[];
  /**
   * Builds a gateway app on this world; `env` adds to or overrides the defaults, `closing` plays
   * the gateway's stop (it ends event streams).
   */
  app(env?: Record<string, string>, closing?: AbortSignal): Promise<App>;
  close(): Promise<void>;
}

export async function startWorld(options: { standIns?: boolean } = {}): Promise<World> {
  const nats = await startNatsServer();
  const nc = await connect({ servers: nats.url });
  await ensureStreams(nc, ["records", "events"]);
  const database = await createTestDatabase(inject("databaseAdminUrl"));
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  const dir = await mkdtemp(join(tmpdir(), "chartly-gateway-"));
  const keysFile = join(dir, "keys.json");
  await writeFile(keysFile, JSON.stringify(KEYS_FILE));
  const seen: RpcContext[] = [];
  const servers = options.standIns === false ? [] : serveStandIns(nc, seen);
  const self = async () => ({
    service: "gateway",
    instance: "g1",
    status: "ok" as const,
    version: "test",
    uptimeSeconds: 1,
    checks: {},
  });
  return {
    nats,
    nc,
    database,
    sql,
    keysFile,
    seen,
    async app(env = {}, closing = undefined) {
      const config = loadConfig({
        DATABASE_URL: database.url,
        AUTH_API_KEYS_FILE: keysFile,
        DEFAULT_TENANT: "acme",
        ...env,
      });
      const limiter = config.RATE_LIMIT_ENABLED
        ? await KvRateLimiter.open(nc, config.RATE_LIMIT_WINDOW_SECONDS, silent)
        : undefined;
      const io = {
        sql,
        rpc: rpcClient(nc, 1_000),
        js: () => jetstream(nc),
        logger: silent,
        limiter,
        closing,
      };
      return createApp(config, io, self);
    },
    async close() {
      await Promise.all(servers.map((s) => s.drain()));
      await nc.close();
      await sql.end();
      await database.drop();
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Headers for a request with an API key (and optionally a tenant and a JSON body). */
export function as(key: string | undefined, extra: { tenant?: string; body?: unknown } = {}): RequestInit {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (extra.tenant) headers["x-tenant-id"] = extra.tenant;
  if (extra.body !== undefined) headers["content-type"] = "application/json";
  return {
    headers,
    ...(extra.body !== undefined ? { method: "POST", body: JSON.stringify(extra.body) } : {}),
  };
}
