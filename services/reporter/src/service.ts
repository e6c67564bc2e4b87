/**
 * @module The reporter's composition root. It owns `chartly.rpc.reporter.*`; report methods
 * (joins, correlation, regression, exports) answer `not_implemented` until they exist, so a
 * caller gets a clear answer instead of a timeout.
 */
import { createDatabase, waitForDatabase } from "@chartly/db";
import { AppError, type Runtime, serveRpc, startRuntime } from "@chartly/platform";
import type { Config } from "./config.js";

export interface Reporter {
  runtime: Runtime;
  stop(): Promise<void>;
}

const notYet = (method: string) => () => {
  throw new AppError("not_implemented", `reports: ${method} is not available yet`);
};

export async function startReporter(config: Config): Promise<Reporter> {
  const runtime = await startRuntime({
    service: "reporter",
    natsUrl: config.NATS_URL,
    httpPort: config.HTTP_PORT,
    logLevel: config.LOG_LEVEL,
    instanceId: config.INSTANCE_ID,
  });
  const { logger, nc, shutdown } = runtime;
  const database = createDatabase(config.DATABASE_URL, { appName: "chartly-reporter", max: 4 });
  shutdown.add("database", () => database.close());
  runtime.addCheck("postgres", () => database.sql`select 1`);
  await waitForDatabase(database.sql, logger);

  const rpc = serveRpc(
    nc,
    "reporter",
    {
      health: () => runtime.health(),
      "reports.list": notYet("reports.list"),
      "reports.run": notYet("reports.run"),
    },
    { logger, metrics: runtime.metrics },
  );
  shutdown.add("rpc", () => rpc.drain());
  await rpc.ready;
  logger.info("reporter ready");
  return { runtime, stop: () => shutdown.stop() };
}
