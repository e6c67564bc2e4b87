/**
 * @module The coordinator's composition root. Every replica serves RPC (runs, fleet, schedules)
 * and handles max-deliveries advisories; the replica holding the leader lease also runs the
 * clock (slots, retries, lost drones).
 */
import type { StoredProfile } from "@chartly/contracts";
import { createDatabase, waitForDatabase } from "@chartly/db";
import {
  ensureStreams,
  openDrainBucket,
  openDroneBucket,
  type Runtime,
  rpcClient,
  serveRpc,
  startRuntime,
} from "@chartly/platform";
import { jetstream } from "@nats-io/jetstream";
import { Counter, Gauge } from "prom-client";
import type { Config } from "./config.js";
import { consumeMaxDeliveries } from "./fleet/advisories.js";
import { fleetHandlers } from "./fleet/handlers.js";
import { runHandlers } from "./runs/handlers.js";
import { RunKeeper } from "./runs/keeper.js";
import { Clock } from "./scheduler/clock.js";
import { Dispatcher } from "./scheduler/dispatcher.js";
import { LeaderLease } from "./scheduler/leader.js";
import { scheduleHandlers } from "./schedules/handlers.js";

/** Profiles per `profiles.all` request. */
const PROFILE_PAGE = 250;

export interface Coordinator {
  runtime: Runtime;
  lease: LeaderLease;
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
  const jsm = await ensureStreams(nc, ["jobs", "records", "events", "jobAdvisories"]);
  const js = jetstream(nc);
  const drones = await openDroneBucket(nc);
  const drains = await openDrainBucket(nc);
  const rpc = rpcClient(nc);
  const dispatcher = new Dispatcher(database.sql, js, logger);
  const keeper = new RunKeeper(database.sql, js, dispatcher, logger, {
    baseMs: config.RETRY_BACKOFF_MS,
    maxMs: config.RETRY_BACKOFF_MAX_MS,
  });
  const queuedTotal = new Counter({
    name: "chartly_runs_queued_total",
    help: "Runs queued, by trigger.",
    labelNames: ["trigger"],
    registers: [runtime.metrics],
  });

  const profiles = { items: [] as StoredProfile[], loaded: false };
  const loadProfiles = async () => {
    try {
      // Page by page: thousands of profiles at once would outgrow a NATS message.
      const items: StoredProfile[] = [];
      for (;;) {
        const last = items.at(-1);
        const after = last ? { tenant: last.tenant, id: last.id } : undefined;
        const page = await rpc.call<StoredProfile[]>(
          "registry",
          "profiles.all",
          { after, limit: PROFILE_PAGE },
          SYSTEM,
        );
        items.push(...page);
        if (page.length < PROFILE_PAGE) break;
      }
      profiles.items = items;
      profiles.loaded = true;
    } catch (error) {
      logger.warn({ err: error }, "cannot refresh profiles from the registry; keeping the last list");
    }
  };
  // A burst of profile events (a directory of new files) makes one reload, plus one after it.
  let reloading: Promise<void> | undefined;
  let again = false;
  const refreshProfiles = async (): Promise<void> => {
    if (reloading) {
      again = true;
      return reloading;
    }
    reloading = (async () => {
      do {
        again = false;
        await loadProfiles();
      } while (again);
    })().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };
  runtime.addCheck("profiles", async () => {
    if (!profiles.loaded) throw new Error("profiles not loaded from the registry yet");
  });
  await refreshProfiles();
  const profileEvents = nc.subscribe("chartly.events.profile.>", { callback: () => void refreshProfiles() });
  let sinceRefresh = 0;
  // Until the registry has answered once, ask every second (it may be starting too).
  const refreshTimer = setInterval(() => {
    sinceRefresh += 1_000;
    if (!profiles.loaded || sinceRefresh >= config.PROFILE_REFRESH_MS) {
      sinceRefresh = 0;
      void refreshProfiles();
    }
  }, 1_000);
  shutdown.add("profiles", async () => {
    clearInterval(refreshTimer);
    profileEvents.unsubscribe();
  });

  const clock = new Clock({
    sql: database.sql,
    lease: { isLeader: () => lease.isLeader() },
    dispatcher,
    keeper,
    drones,
    logger,
    profiles: () => profiles,
    tickMs: config.TICK_MS,
    livenessMs: config.DRONE_LIVENESS_MS,
    onQueued: (ids) => queuedTotal.inc({ trigger: "schedule" }, ids.length),
  });
  const lease: LeaderLease = await LeaderLease.open(
    nc,
    runtime.instance,
    config.LEADER_LEASE_MS,
    logger,
    (leader) => {
      if (leader) void clock.takeOver();
    },
  );
  new Gauge({
    name: "chartly_coordinator_leader",
    help: "1 while this replica holds the leader lease and schedules.",
    registers: [runtime.metrics],
    collect() {
      this.set(lease.isLeader() ? 1 : 0);
    },
  });
  runtime.addCheck("leader", async () => {
    if (!lease.state().leader) throw new Error("no coordinator holds the leader lease");
  });
  await lease.start();
  clock.start();
  shutdown.add("clock", () => clock.stop());

  const advisories = await consumeMaxDeliveries(js, jsm, keeper, logger);
  shutdown.add("advisories", () => advisories.stop());

  const server = serveRpc(
    nc,
    "coordinator",
    {
      health: async () => ({ ...(await runtime.health()), ...lease.state() }),
      ...runHandlers({
        sql: database.sql,
        rpc,
        dispatcher,
        logger,
        onQueued: () => queuedTotal.inc({ trigger: "manual" }),
      }),
      ...fleetHandlers({ nc, drones, drains, livenessMs: config.DRONE_LIVENESS_MS }),
      ...scheduleHandlers({ sql: database.sql, rpc }),
    },
    { logger, metrics: runtime.metrics },
  );
  shutdown.add("rpc", () => server.drain());
  // Steps run in reverse: leadership is given up first, so a follower takes over at once.
  shutdown.add("leadership", () => lease.release());
  await server.ready;
  logger.info("coordinator ready");
  return { runtime, lease, stop: () => shutdown.stop() };
}
