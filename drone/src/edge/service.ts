/**
 * @module An edge drone: the same worker as any drone, reaching the control plane through the
 * gateway's HTTP drone API instead of NATS, with an on-disk outbox in between. Its `/health`
 * shows the outbox (pending entries, last sync, last error); `/metrics` has the same as gauges.
 */
import { resolve } from "node:path";
import {
  createLogger,
  createMetricsRegistry,
  mountOpsRoutes,
  Shutdown,
  startHttpServer,
} from "@chartly/platform";
import { Hono } from "hono";
import { type Config, droneIdOf } from "../config.js";
import type { Drone } from "../service.js";
import { workerOptions } from "../service.js";
import { HttpControlPlane } from "../transport/http.js";
import { Worker } from "../worker.js";
import { DroneApi } from "./api.js";
import { Outbox } from "./outbox.js";
import { OutboxSync } from "./sync.js";

export async function startEdgeDrone(config: Config): Promise<Drone> {
  const id = droneIdOf(config);
  const controlPlaneUrl = config.CONTROL_PLANE as string;
  const logger = createLogger("drone", config.LOG_LEVEL, id);
  const metrics = createMetricsRegistry("drone");
  const shutdown = new Shutdown(logger);

  const outbox = await Outbox.open(resolve(config.DRONE_OUTBOX_DIR ?? `.data/outbox/${id}`));
  const api = new DroneApi(controlPlaneUrl, config.CONTROL_PLANE_API_KEY);
  const sync = new OutboxSync(outbox, api, logger, metrics);

  const app = new Hono();
  app.get("/health", (c) =>
    c.json({
      status: "ok",
      service: "drone",
      id,
      mode: "edge",
      controlPlane: controlPlaneUrl,
      outbox: sync.status,
    }),
  );
  mountOpsRoutes(app, {
    service: "drone",
    metrics,
    liveness: false,
    // Ready while the outbox is reaching the control plane; collecting goes on either way.
    checks: {
      control_plane: async () => {
        const { lastError } = sync.status;
        if (lastError) throw new Error(lastError);
      },
    },
  });
  const http = await startHttpServer(app, config.HTTP_PORT);
  shutdown.add("http", () => http.close());
  logger.info({ port: http.port }, "HTTP server listening");

  sync.start();
  // Stopped after the worker, so the outcomes of the last jobs get a chance to leave too.
  shutdown.add("outbox", () => sync.stop(config.DRONE_OUTBOX_GRACE_MS));
  const controlPlane = new HttpControlPlane(api, outbox, sync, logger, {
    id,
    pool: config.DRONE_POOL,
    leaseMs: config.DRONE_LEASE_MS,
  });
  const worker = new Worker(controlPlane, logger, {
    ...workerOptions(config, id),
    // A long poll: one request waits for a job instead of asking every couple of seconds.
    leaseWaitMs: 10_000,
    describe: () => ({ edge: { outbox: sync.status } }),
  });
  await worker.start();
  shutdown.add("worker", () => worker.stop());
  logger.info(
    {
      id,
      pool: config.DRONE_POOL,
      capacity: config.DRONE_CAPACITY,
      controlPlane: controlPlaneUrl,
      outbox: outbox.dir,
      pending: outbox.pending,
    },
    "edge drone ready",
  );
  return { id, httpPort: http.port, runtime: { logger, metrics, shutdown }, stop: () => shutdown.stop() };
}
