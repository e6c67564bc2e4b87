/** @module The drone's composition root: NATS, the pool's durable consumer, the worker. */
import { hostname } from "node:os";
import { CONSUMERS, jobSubject, STREAMS } from "@chartly/contracts";
import {
  ensurePullConsumer,
  ensureStreams,
  openDroneBucket,
  type Runtime,
  startRuntime,
} from "@chartly/platform";
import { jetstream } from "@nats-io/jetstream";
import { type Config, droneIdOf } from "./config.js";
import { serveDroneControl } from "./control.js";
import { envSecrets } from "./source/secrets.js";
import { Worker } from "./worker.js";

export interface Drone {
  id: string;
  runtime: Runtime;
  stop(): Promise<void>;
}

export async function startDrone(config: Config): Promise<Drone> {
  if (config.CONTROL_PLANE) {
    throw new Error(
      "CONTROL_PLANE is set, but drones that work over HTTP are not available yet; set NATS_URL instead",
    );
  }
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
  await ensurePullConsumer(jsm, STREAMS.jobs.name, CONSUMERS.drones(config.DRONE_POOL), {
    filterSubject: jobSubject(config.DRONE_POOL),
    ackWaitMs: config.DRONE_LEASE_MS,
    maxDeliver: 5,
  });
  const worker = new Worker(jetstream(nc), await openDroneBucket(nc), logger, {
    id,
    pool: config.DRONE_POOL,
    capacity: config.DRONE_CAPACITY,
    leaseMs: config.DRONE_LEASE_MS,
    heartbeatMs: config.DRONE_HEARTBEAT_MS,
    batchRecords: config.DRONE_BATCH_RECORDS,
    version: process.env.npm_package_version ?? "0.1.0",
    host: hostname(),
    labels: config.DRONE_LABELS,
    secrets: envSecrets(process.env, config.CHARTLY_SECRETS_DIR),
  });
  await worker.start();
  shutdown.add("worker", () => worker.stop());
  const control = serveDroneControl(nc, id, worker, logger);
  shutdown.add("control", () => control.close());
  logger.info({ id, pool: config.DRONE_POOL, capacity: config.DRONE_CAPACITY }, "drone ready");
  return { id, runtime, stop: () => shutdown.stop() };
}
