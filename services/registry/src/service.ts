/** @module The registry's composition root: store, folder loader and watcher, RPC, events. */
import { watch } from "node:fs";
import { resolve } from "node:path";
import {
  eventSubject,
  formatProblem,
  type ProfileProblem,
  ValidateProfileRequestSchema,
  validateProfileText,
} from "@chartly/contracts";
import { createDatabase, waitForDatabase } from "@chartly/db";
import {
  AppError,
  ensureStreams,
  type Runtime,
  requireTenant,
  serveRpc,
  startRuntime,
} from "@chartly/platform";
import { jetstream } from "@nats-io/jetstream";
import { z } from "zod";
import type { Config } from "./config.js";
import { loadProfilesDir } from "./profiles/loader.js";
import { getProfile, listProfiles, listProfilesPage } from "./profiles/store.js";

/** A page of `profiles.all`: absent `limit` means every profile at once. */
const ProfilesPageSchema = z.object({
  after: z.object({ tenant: z.string(), id: z.string() }).optional(),
  limit: z.number().int().min(1).max(1_000).optional(),
});

export interface Registry {
  runtime: Runtime;
  /** Loads the folder now (also done at start and on every change). */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRegistry(config: Config): Promise<Registry> {
  const runtime = await startRuntime({
    service: "registry",
    natsUrl: config.NATS_URL,
    httpPort: config.HTTP_PORT,
    logLevel: config.LOG_LEVEL,
    instanceId: config.INSTANCE_ID,
  });
  const { logger, nc, shutdown } = runtime;
  const database = createDatabase(config.DATABASE_URL, { appName: "chartly-registry" });
  shutdown.add("database", () => database.close());
  runtime.addCheck("postgres", () => database.sql`select 1`);
  await waitForDatabase(database.sql, logger);
  await ensureStreams(nc, ["events"]);
  const js = jetstream(nc);

  const dir = resolve(config.PROFILES_DIR);
  let problems: ProfileProblem[] = [];
  let loading = Promise.resolve();

  const loadOnce = async () => {
    const report = await loadProfilesDir(database.sql, config.DEFAULT_TENANT, dir);
    problems = report.problems;
    for (const p of report.problems) logger.error({ problem: p }, `invalid profile: ${formatProblem(p)}`);
    for (const item of report.loaded.filter((l) => l.outcome !== "unchanged")) {
      logger.info(item, `profile ${item.outcome}`);
      await js.publish(
        eventSubject("profile", item.id),
        JSON.stringify({
          type: "profile.changed",
          tenant: config.DEFAULT_TENANT,
          ...item,
          at: new Date().toISOString(),
        }),
        { msgID: `profile:${config.DEFAULT_TENANT}:${item.id}:${item.version}:${item.outcome}` },
      );
    }
    for (const id of report.disabled) {
      logger.warn({ id }, "profile file removed; profile disabled");
      await js.publish(
        eventSubject("profile", id),
        JSON.stringify({
          type: "profile.disabled",
          tenant: config.DEFAULT_TENANT,
          id,
          at: new Date().toISOString(),
        }),
      );
    }
  };
  // Loads never overlap; a change during a load triggers one more.
  const reload = () => {
    loading = loading
      .then(loadOnce)
      .catch((error) => logger.error({ err: error }, "loading profiles failed"));
    return loading;
  };
  await reload();

  if (config.PROFILES_WATCH) {
    let timer: NodeJS.Timeout | undefined;
    const watcher = watch(dir, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), 200);
    });
    watcher.on("error", (error) => logger.warn({ err: error }, "watching profiles failed; rescans continue"));
    const rescan = setInterval(() => void reload(), config.PROFILES_RESCAN_MS);
    shutdown.add("watcher", async () => {
      watcher.close();
      clearInterval(rescan);
      clearTimeout(timer);
      await loading;
    });
  }

  const rpc = serveRpc(
    nc,
    "registry",
    {
      health: () => runtime.health(),
      "profiles.list": (_payload, ctx) => listProfiles(database.sql, requireTenant(ctx)),
      /**
       * Every tenant's profiles, for the scheduler; not exposed by the gateway. With `limit`, one
       * page after `after` (the scheduler pages: one reply of thousands would outgrow NATS's limit).
       */
      "profiles.all": (payload) => {
        const page = ProfilesPageSchema.parse(payload ?? {});
        return page.limit === undefined
          ? listProfiles(database.sql, undefined)
          : listProfilesPage(database.sql, page.after, page.limit);
      },
      "profiles.get": async (payload, ctx) => {
        const { id } = z.object({ id: z.string() }).parse(payload);
        const profile = await getProfile(database.sql, requireTenant(ctx), id);
        if (!profile) throw AppError.notFound(`profile ${id}`);
        return profile;
      },
      "profiles.problems": () => problems,
      /** Checks a profile's text without saving it; problems are an answer, not an error. */
      "profiles.validate": (payload) => {
        const { yaml, file } = ValidateProfileRequestSchema.parse(payload);
        return validateProfileText(yaml, file);
      },
    },
    { logger, metrics: runtime.metrics },
  );
  shutdown.add("rpc", () => rpc.drain());
  await rpc.ready;
  logger.info({ dir }, "registry ready");
  return { runtime, reload, stop: () => shutdown.stop() };
}
