/**
 * @module What every Chartly process starts with: logger, metrics, a NATS connection, the ops
 * HTTP server and a shutdown manager, wired the same way everywhere.
 */
import type { HealthReport } from "@chartly/contracts";
import { Hono } from "hono";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { createLogger, defaultInstanceId } from "./logger.js";
import { connectNats, type NatsConnection } from "./nats.js";
import {
  type Check,
  createMetricsRegistry,
  mountOpsRoutes,
  runChecks,
  startHttpServer,
} from "./ops-server.js";
import { Shutdown } from "./shutdown.js";

// biome-ignore lint/suspicious/noExplicitAny: the ops routes work with any app variables
type GatewayLikeEnv = { Variables: any };

export interface RuntimeOptions {
  service: string;
  natsUrl: string;
  httpPort: number;
  logLevel?: string;
  instanceId?: string | undefined;
  version?: string;
  /** Routes served next to /health, /ready and /metrics (the gateway's whole API). */
  app?: Hono<GatewayLikeEnv>;
  /** False when the app answers /health itself. */
  liveness?: boolean;
  /** The registry to serve on /metrics, when the app made one first; else a new one. */
  metrics?: Registry;
}

export interface Runtime {
  service: string;
  instance: string;
  logger: Logger;
  metrics: Registry;
  nc: NatsConnection;
  shutdown: Shutdown;
  httpPort: number;
  /** Adds a dependency to /ready and to the health report. */
  addCheck(name: string, check: Check): void;
  health(): Promise<HealthReport>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const instance = options.instanceId ?? defaultInstanceId();
  const logger = createLogger(options.service, options.logLevel, instance);
  const metrics = options.metrics ?? createMetricsRegistry(options.service);
  const shutdown = new Shutdown(logger);
  const started = Date.now();
  const version = options.version ?? process.env.npm_package_version ?? "0.1.0";

  const nc = await connectNats(options.natsUrl, `${options.service}:${instance}`, logger);
  shutdown.add("nats", async () => {
    if (!nc.isClosed()) await nc.drain();
  });

  const checks: Record<string, Check> = { nats: () => nc.rtt() };
  const app = options.app ?? new Hono<GatewayLikeEnv>();
  mountOpsRoutes(app, { service: options.service, checks, metrics, liveness: options.liveness !== false });
  const http = await startHttpServer(app, options.httpPort);
  shutdown.addIntake("http", () => http.close());
  logger.info({ port: http.port }, "HTTP server listening");

  return {
    service: options.service,
    instance,
    logger,
    metrics,
    nc,
    shutdown,
    httpPort: http.port,
    addCheck(name, check) {
      checks[name] = check;
    },
    async health() {
      const results = await runChecks(checks);
      return {
        service: options.service,
        instance,
        status: Object.values(results).every((r) => r.ok) ? "ok" : "degraded",
        version,
        uptimeSeconds: Math.round((Date.now() - started) / 1000),
        checks: results,
      };
    },
  };
}
