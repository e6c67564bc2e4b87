/** @module The gateway's composition root: the public HTTP API, answered over NATS RPC. */
import type { HealthReport } from "@chartly/contracts";
import { createDatabase, waitForDatabase } from "@chartly/db";
import {
  AppError,
  createLogger,
  createMetricsRegistry,
  ensureStreams,
  type Logger,
  type RpcClient,
  type Runtime,
  rpcClient,
  startRuntime,
} from "@chartly/platform";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import type { Sql } from "postgres";
import type { Registry } from "prom-client";
import { type App, newApp } from "./app.js";
import { AuditLog } from "./audit/store.js";
import { Authenticator } from "./auth/authenticate.js";
import { JwtVerifier } from "./auth/jwt.js";
import { KeyStore } from "./auth/key-store.js";
import { FileKeySource } from "./auth/keys-file.js";
import { authRequired, type Config } from "./config.js";
import type { Deps } from "./context.js";
import { DroneBroker } from "./drones/broker.js";
import { LeaseSigner } from "./drones/lease-token.js";
import { KvRateLimiter, type RateLimiter } from "./limits/rate-limit.js";
import { registerDroneHeartbeat } from "./routes/drone_heartbeat.js";
import { registerDroneLeases } from "./routes/drone_leases.js";
import { registerDroneOutbox } from "./routes/drone_outbox.js";
import { registerFleetRoutes } from "./routes/fleet.js";
import { registerHealthRoute } from "./routes/health.js";
import { registerV1AuditList } from "./routes/v1_audit_list.js";
import { registerV1DeadLettersList } from "./routes/v1_deadletters_list.js";
import { registerV1DronesGet } from "./routes/v1_drones_get.js";
import { registerV1DronesList } from "./routes/v1_drones_list.js";
import { registerV1EventsStream } from "./routes/v1_events_stream.js";
import { registerV1ForecastsCreate } from "./routes/v1_forecasts_create.js";
import { registerV1ForecastsDelete } from "./routes/v1_forecasts_delete.js";
import { registerV1ForecastsGet } from "./routes/v1_forecasts_get.js";
import { registerV1ForecastsList } from "./routes/v1_forecasts_list.js";
import { registerV1ForecastsReplace } from "./routes/v1_forecasts_replace.js";
import { registerV1ForecastsRun } from "./routes/v1_forecasts_run.js";
import { registerV1ForecastsRunsGet } from "./routes/v1_forecasts_runs_get.js";
import { registerV1ForecastsUpdate } from "./routes/v1_forecasts_update.js";
import { registerV1IngestPush } from "./routes/v1_ingest_push.js";
import { registerV1KeysCreate } from "./routes/v1_keys_create.js";
import { registerV1KeysList } from "./routes/v1_keys_list.js";
import { registerV1KeysRevoke } from "./routes/v1_keys_revoke.js";
import { registerV1ProfilesGet } from "./routes/v1_profiles_get.js";
import { registerV1ProfilesList } from "./routes/v1_profiles_list.js";
import { registerV1ProfilesRunNow } from "./routes/v1_profiles_runNow.js";
import { registerV1ProfilesSchema } from "./routes/v1_profiles_schema.js";
import { registerV1ProfilesValidate } from "./routes/v1_profiles_validate.js";
import { registerV1RecordsList } from "./routes/v1_records_list.js";
import { registerV1RunsGet } from "./routes/v1_runs_get.js";
import { registerV1RunsList } from "./routes/v1_runs_list.js";
import { registerV1SeriesForecast } from "./routes/v1_series_forecast.js";
import { registerV1SeriesForecasts } from "./routes/v1_series_forecasts.js";
import { registerV1SeriesGet } from "./routes/v1_series_get.js";
import { registerV1SeriesList } from "./routes/v1_series_list.js";
import { registerV1SeriesObservations } from "./routes/v1_series_observations.js";

export interface Gateway {
  runtime: Runtime;
  port: number;
  stop(): Promise<void>;
}

/** What the gateway talks to: Postgres (keys, audit), the services (RPC), JetStream, the rate-limit counters. */
export interface GatewayIo {
  sql: Sql;
  rpc: RpcClient;
  js: () => JetStreamClient;
  logger: Logger;
  /** Aborted on shutdown; ends event streams. */
  closing?: AbortSignal | undefined;
  /** Absent when RATE_LIMIT_ENABLED is false. */
  limiter?: RateLimiter | undefined;
  /** The drone API's broker; absent (the API answers 503) without DRONE_LEASE_SECRET. */
  droneBroker?: (() => DroneBroker) | undefined;
  /** The registry `/metrics` serves; request metrics are kept in it. */
  metrics?: Registry | undefined;
}

/** Builds the whole app: credential sources, middleware and every route. */
/**
 * Single-object reads that concurrent requests share one RPC for (see `rpcClient`): the hot
 * paths of dashboards and scripts polling many series, profiles and runs at once.
 */
const BATCHED_READS = [
  "aggregator:series.get",
  "aggregator:forecasts.specs.get",
  "aggregator:forecasts.runs.get",
  "registry:profiles.get",
  "coordinator:runs.get",
  "coordinator:drones.get",
];

export async function createApp(
  config: Config,
  io: GatewayIo,
  self: () => Promise<HealthReport>,
): Promise<App> {
  const file = config.AUTH_API_KEYS_FILE
    ? new FileKeySource(config.AUTH_API_KEYS_FILE, config.AUTH_API_KEYS_TTL_SECONDS * 1000, io.logger)
    : undefined;
  // A keys file that is missing or invalid at start-up stops the gateway, naming the problem.
  await file?.load();
  const keys = new KeyStore(io.sql, io.logger, config.AUTH_API_KEYS_CACHE_SECONDS * 1000);
  const jwt =
    config.AUTH_JWT_HS256_SECRET || config.AUTH_JWT_JWKS_URL
      ? new JwtVerifier({
          hs256Secret: config.AUTH_JWT_HS256_SECRET,
          jwksUrl: config.AUTH_JWT_JWKS_URL,
          jwksCooldownSeconds: config.AUTH_JWT_JWKS_COOLDOWN_SECONDS,
          issuer: config.AUTH_JWT_ISSUER as string,
          audience: config.AUTH_JWT_AUDIENCE as string,
          leewaySeconds: config.AUTH_JWT_LEEWAY_SECONDS,
          tenantClaim: config.AUTH_JWT_TENANT_CLAIM,
          rolesClaim: config.AUTH_JWT_ROLES_CLAIM,
        })
      : undefined;
  const deps: Deps = {
    rpc: io.rpc,
    keys,
    audit: new AuditLog(io.sql),
    logger: io.logger,
    js: io.js,
    closing: io.closing ?? new AbortController().signal,
    droneBroker:
      io.droneBroker ??
      (() => {
        throw new AppError(
          "unavailable",
          "the drone API is off on this gateway: set DRONE_LEASE_SECRET (the same on every replica)",
        );
      }),
  };
  const app = newApp({
    auth: {
      required: authRequired(config),
      defaultTenant: config.DEFAULT_TENANT,
      tenantRequired: config.AUTH_TENANT_REQUIRED,
    },
    authenticator: new Authenticator({ file, keys, jwt }),
    audit: deps.audit,
    logger: io.logger,
    corsOrigins: config.CORS_ALLOWED_ORIGINS,
    maxRequestBytes: config.MAX_REQUEST_SIZE,
    trustProxy: config.TRUST_PROXY,
    rateLimits: io.limiter
      ? {
          limiter: io.limiter,
          perIp: config.RATE_LIMIT_PER_IP,
          perPrincipal: config.RATE_LIMIT_PER_PRINCIPAL,
        }
      : undefined,
    metrics: io.metrics,
  });

  registerHealthRoute(app, deps, self);
  registerV1ProfilesList(app, deps);
  // Before profiles.get, whose {id} would otherwise take "schema".
  registerV1ProfilesSchema(app);
  registerV1ProfilesValidate(app, deps);
  registerV1ProfilesGet(app, deps);
  registerV1ProfilesRunNow(app, deps);
  registerV1RunsList(app, deps);
  registerV1RunsGet(app, deps);
  registerV1DronesList(app, deps);
  registerV1DronesGet(app, deps);
  registerV1SeriesList(app, deps);
  registerV1SeriesGet(app, deps);
  registerV1SeriesObservations(app, deps);
  registerV1SeriesForecast(app, deps);
  registerV1SeriesForecasts(app, deps);
  registerV1ForecastsList(app, deps);
  registerV1ForecastsCreate(app, deps);
  registerV1ForecastsRunsGet(app, deps);
  registerV1ForecastsGet(app, deps);
  registerV1ForecastsUpdate(app, deps);
  registerV1ForecastsReplace(app, deps);
  registerV1ForecastsDelete(app, deps);
  registerV1ForecastsRun(app, deps);
  registerV1RecordsList(app, deps);
  registerV1DeadLettersList(app, deps);
  registerV1KeysCreate(app, deps);
  registerV1KeysList(app, deps);
  registerV1KeysRevoke(app, deps);
  registerV1AuditList(app, deps);
  registerV1EventsStream(app, deps);
  registerV1IngestPush(app, deps);
  registerFleetRoutes(app, deps);
  registerDroneHeartbeat(app, deps);
  registerDroneLeases(app, deps);
  registerDroneOutbox(app, deps);
  return app;
}

export async function startGateway(config: Config): Promise<Gateway> {
  let runtime: Runtime | undefined;
  let client: RpcClient | undefined;
  let limiter: RateLimiter | undefined;
  let js: JetStreamClient | undefined;
  let broker: DroneBroker | undefined;
  const closing = new AbortController();
  const database = createDatabase(config.DATABASE_URL, { max: 10, appName: "chartly-gateway" });
  // The app is built before NATS connects; requests in that window get a clear 503.
  const rpc: RpcClient = {
    call: (...args) => {
      if (!client) throw new AppError("unavailable", "the gateway is starting");
      return client.call(...args);
    },
  };
  const lateLimiter: RateLimiter | undefined = config.RATE_LIMIT_ENABLED
    ? {
        consume: (key, limit) =>
          limiter?.consume(key, limit) ?? Promise.resolve({ allowed: true, retryAfterSeconds: 0 }),
      }
    : undefined;
  // Same settings as the runtime's logger, which exists only once NATS is connected.
  const bootLogger = createLogger("gateway", config.LOG_LEVEL, config.INSTANCE_ID);
  // Made before the app, which keeps its request metrics in it; the runtime serves it.
  const metrics = createMetricsRegistry("gateway");
  const io: GatewayIo = {
    sql: database.sql,
    rpc,
    js: () => {
      if (!js) throw new AppError("unavailable", "the gateway is starting");
      return js;
    },
    logger: bootLogger,
    metrics,
    limiter: lateLimiter,
    closing: closing.signal,
    droneBroker: config.DRONE_LEASE_SECRET
      ? () => {
          if (!broker) throw new AppError("unavailable", "the gateway is starting");
          return broker;
        }
      : undefined,
  };
  const app = await createApp(config, io, () => {
    if (!runtime) throw new Error("gateway starting");
    return runtime.health();
  });
  runtime = await startRuntime({
    service: "gateway",
    natsUrl: config.NATS_URL,
    httpPort: config.HTTP_PORT,
    logLevel: config.LOG_LEVEL,
    instanceId: config.INSTANCE_ID,
    app,
    metrics,
    liveness: false,
  });
  const started = runtime;
  started.shutdown.add("database", () => database.close());
  // Runs before the HTTP server closes, which would otherwise wait for every open event stream.
  started.shutdown.addIntake("event streams", async () => closing.abort());
  started.addCheck("postgres", () => database.sql`select 1`);
  await waitForDatabase(database.sql, started.logger);
  if (config.RATE_LIMIT_ENABLED) {
    limiter = await KvRateLimiter.open(started.nc, config.RATE_LIMIT_WINDOW_SECONDS, started.logger);
  }
  await ensureStreams(started.nc, ["records", "events"]);
  js = jetstream(started.nc);
  if (config.DRONE_LEASE_SECRET) {
    broker = await DroneBroker.open(started.nc, new LeaseSigner(config.DRONE_LEASE_SECRET), started.logger);
  }
  client = rpcClient(started.nc, config.RPC_TIMEOUT_MS, {
    batched: BATCHED_READS,
    maxBatchesInFlight: config.RPC_BATCHES_IN_FLIGHT,
  });
  started.logger.info(
    { port: started.httpPort, authRequired: authRequired(config), rateLimits: config.RATE_LIMIT_ENABLED },
    "gateway ready",
  );
  return { runtime: started, port: started.httpPort, stop: () => started.shutdown.stop() };
}
