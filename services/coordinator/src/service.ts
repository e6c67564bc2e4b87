/** @module The coordinator's composition root: the clock, runs and the fleet view, over RPC. */
import { randomBytes } from "node:crypto";
import { RunNowSchema, RunsQuerySchema, type StoredProfile } from "@chartly/contracts";
import { createDatabase, waitForDatabase } from "@chartly/db";
import {
  AppError,
  ensureStreams,
  openDroneBucket,
  type Runtime,
  requireTenant,
  rpcClient,
  serveRpc,
  startRuntime,
} from "@chartly/platform";
import { jetstream } from "@nats-io/jetstream";
import { Counter } from "prom-client";
import { z } from "zod";
import type { Config } from "./config.js";
import { listDrones } from "./fleet/drones.js";
import { getRun, listRuns, queuedRunsSince } from "./runs/store.js";
import { Dispatcher } from "./scheduler/dispatcher.js";
import { manualRunId } from "./scheduler/slots.js";

export interface Coordinator {
  runtime: Runtime;
  stop(): Promise<void>;
}

const SYSTEM = { tenant: "", principal: "system:coordinator", requestId: "" };

export async function startCoordinator(config: Config): Promise<Coordinator> {
  const runtime = await startRuntime({
    service: "coordinator",
    natsUrl: config.NATS_URL,
    httpPort: config.HTTP_PORT,
    logLevel: config.LOG_LEVEL,
    instanceId: config.INSTANCE_ID,
  });
  const { logger, nc, shutdown } = runtime;
  const database = createDatabase(config.DATABASE_URL, { appName: "chartly-coordinator" });
  shutdown.add("database", () => database.close());
  runtime.addCheck("postgres", () => database.sql`select 1`);
  await waitForDatabase(database.sql, logger);
  await ensureStreams(nc);
  const js = jetstream(nc);
  const drones = await openDroneBucket(nc);
  const rpc = rpcClient(nc);
  const dispatcher = new Dispatcher(database.sql, js, logger);
  const queuedTotal = new Counter({
    name: "chartly_runs_queued_total",
    help: "Runs queued, by trigger.",
    labelNames: ["trigger"],
    registers: [runtime.metrics],
  });

  let profiles: StoredProfile[] = [];
  let profilesLoaded = false;
  const refreshProfiles = async () => {
    try {
      profiles = await rpc.call<StoredProfile[]>("registry", "profiles.all", {}, SYSTEM);
      profilesLoaded = true;
    } catch (error) {
      logger.warn({ err: error }, "cannot refresh profiles from the registry; keeping the last list");
    }
  };
  runtime.addCheck("profiles", async () => {
    if (!profilesLoaded) throw new Error("profiles not loaded from the registry yet");
  });

  await refreshProfiles();
  // Jobs whose run row was created but whose publish was lost (crash in between) go out again;
  // their message id is the run id, so those that did go out are not duplicated.
  for (const run of await queuedRunsSince(database.sql, new Date(Date.now() - 3_600_000))) {
    const profile = profiles.find((p) => p.tenant === run.tenant_id && p.id === run.profile_id);
    if (!profile) continue;
    if (await dispatcher.dispatch(profile, { id: run.id, slot: run.slot, trigger: run.trigger })) {
      logger.info({ runId: run.id }, "re-published a run whose job was lost");
    }
  }

  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      const queued = await dispatcher.tick(profiles);
      if (queued.length > 0) queuedTotal.inc({ trigger: "schedule" }, queued.length);
    } finally {
      ticking = false;
    }
  };

  const profileEvents = nc.subscribe("chartly.events.profile.>", { callback: () => void refreshProfiles() });
  let sinceRefresh = 0;
  // Until the registry has answered once, ask every second (it may be starting too).
  const refreshTimer = setInterval(() => {
    sinceRefresh += 1_000;
    if (!profilesLoaded || sinceRefresh >= config.PROFILE_REFRESH_MS) {
      sinceRefresh = 0;
      void refreshProfiles();
    }
  }, 1_000);
  const tickTimer = setInterval(() => void tick(), config.TICK_MS);
  void tick();
  shutdown.add("clock", async () => {
    clearInterval(tickTimer);
    clearInterval(refreshTimer);
    profileEvents.unsubscribe();
    while (ticking) await new Promise((r) => setTimeout(r, 20));
  });

  const server = serveRpc(
    nc,
    "coordinator",
    {
      health: () => runtime.health(),
      "runs.list": (payload, ctx) =>
        listRuns(database.sql, requireTenant(ctx), RunsQuerySchema.parse(payload)),
      "runs.get": async (payload, ctx) => {
        const { id } = z.object({ id: z.string() }).parse(payload);
        const run = await getRun(database.sql, requireTenant(ctx), id);
        if (!run) throw AppError.notFound(`run ${id}`);
        return run;
      },
      "runs.trigger": async (payload, ctx) => {
        const tenant = requireTenant(ctx);
        const request = RunNowSchema.parse(payload);
        const profile = await rpc.call<StoredProfile>(
          "registry",
          "profiles.get",
          { id: request.profileId },
          ctx,
        );
        const now = new Date();
        const slot = request.slot ? new Date(request.slot) : now;
        const id = manualRunId(profile.id, now, randomBytes(3).toString("hex"));
        await dispatcher.dispatch({ ...profile, tenant }, { id, slot, trigger: "manual" });
        queuedTotal.inc({ trigger: "manual" });
        logger.info({ runId: id, principal: ctx.principal, requestId: ctx.requestId }, "manual run queued");
        return getRun(database.sql, tenant, id);
      },
      "drones.list": async () => ({ items: await listDrones(drones, config.DRONE_LIVENESS_MS) }),
      "drones.get": async (payload) => {
        const { id } = z.object({ id: z.string() }).parse(payload);
        const drone = (await listDrones(drones, config.DRONE_LIVENESS_MS)).find((d) => d.id === id);
        if (!drone) throw AppError.notFound(`drone ${id}`);
        return drone;
      },
    },
    { logger, metrics: runtime.metrics },
  );
  shutdown.add("rpc", () => server.drain());
  logger.info("coordinator ready");
  return { runtime, stop: () => shutdown.stop() };
}
