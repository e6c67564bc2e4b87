/**
 * @module The drone's composition root: the control plane (NATS inside the network, the
 * gateway's HTTP drone API for edge drones), the worker, and the drone's own control subject.
 */
import { hostname } from "node:os";
import { CONSUMERS, jobSubject, STREAMS } from "@chartly/contracts";
import {
  ensurePullConsumer,
  ensureStreams,
  openDrainBucket,
  openDroneBucket,
  type Runtime,
  startRuntime,
} from "@chartly/platform";
import { jetstream } from "@nats-io/jetstream";
import { type Config, droneIdOf } from "./config.js";
import { serveDroneControl } from "./control.js";
import { startEdgeDrone } from "./edge/service.js";
import { outboundGuard } from "./source/guard.js";
import { envSecrets } from "./source/secrets.js";
import { NatsControlPlane } from "./transport/nats.js";
import { Worker, type WorkerOptions } from "./worker.js";

export interface Drone {
  id: string;
  /** Port of /health, /ready and /metrics. */
  httpPort: number;
  runtime: Pick<Runtime, "logger" | "shutdown" | "metrics">;
  stop(): Promise<void>;
}

/** What the worker is told, whichever way the drone reaches the control plane. */
export const workerOptions = (config: Config, id: string): WorkerOptions => ({
  id,
  pool: config.DRONE_POOL,
  capacity: config.DRONE_CAPACITY,
  heartbeatMs: config.DRONE_HEARTBEAT_MS,
  batchRecords: config.DRONE_BATCH_RECORDS,
  version: process.env.npm_package_version ?? "0.1.0",
  host: hostname(),
  labels: config.DRONE_LABELS,
  secrets: envSecrets(process.env, config.CHARTLY_SECRETS_DIR),
  guard: outboundGuard({ allow: config.DRONE_ALLOW_NETWORKS }),
});

export async function startDrone(config: Config): Promise<Drone> {
  if (config.CONTROL_PLANE) return startEdgeDrone(config);
  const id = droneIdOf(config);
  const runtime = await startRuntime({
    service: "drone",
    natsUrl: config.NATS_URL,
    httpPort: config.HTTP_PORT,
    logLevel: config.LOG_LEVEL,
    instanceId: id,
  });
  const { nc, logger, shutdown } = runtime;
  const jsm = await ensureStreams(nc);
  const durable = CONSUMERS.drones(config.DRONE_POOL);
  await ensurePullConsumer(jsm, STREAMS.jobs.name, durable, {
    filterSubject: jobSubject(config.DRONE_POOL),
    ackWaitMs: config.DRONE_LEASE_MS,
    maxDeliver: 5,
  });
  const js = jetstream(nc);
  const controlPlane = new NatsControlPlane(
    js,
    await js.consumers.get(STREAMS.jobs.name, durable),
    await openDroneBucket(nc),
    await openDrainBucket(nc),
    config.DRONE_LEASE_MS,
  );
  const worker = new Worker(controlPlane, logger, workerOptions(config, id));
  await worker.start();
  shutdown.add("worker", () => worker.stop());
  const control = serveDroneControl(nc, id, worker, logger);
  shutdown.add("control", () => control.close());
  logger.info({ id, pool: config.DRONE_POOL, capacity: config.DRONE_CAPACITY }, "drone ready");
  return { id, httpPort: runtime.httpPort, runtime, stop: () => shutdown.stop() };
}
