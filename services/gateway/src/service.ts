/** @module The gateway's composition root: the public HTTP API, answered over NATS RPC. */
import { randomUUID } from "node:crypto";
import type { HealthReport } from "@chartly/contracts";
import { AppError, type RpcClient, type Runtime, rpcClient, startRuntime } from "@chartly/platform";
import { Hono } from "hono";
import type { Config } from "./config.js";
import type { Deps, GatewayEnv } from "./context.js";
import { problemResponse } from "./problem.js";
import { registerHealthRoute } from "./routes/health.js";
import { registerProfileRoutes } from "./routes/profiles.js";
import { registerRunRoutes } from "./routes/runs.js";
import { registerSeriesRoutes } from "./routes/series.js";

export interface Gateway {
  runtime: Runtime;
  port: number;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Builds the app; routes reach services through `deps`, filled once NATS is connected. */
export function createApp(config: Config, deps: Deps, self: () => Promise<HealthReport>): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.use("*", async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    c.set("requestId", requestId);
    c.set("rpcContext", { tenant: config.DEFAULT_TENANT, principal: "anonymous", requestId });
    const started = performance.now();
    await next();
    c.header("x-request-id", requestId);
    c.header("server-timing", `total;dur=${(performance.now() - started).toFixed(1)}`);
  });
  app.onError((error, c) => problemResponse(c, error));
  app.notFound((c) =>
    c.json(
      {
        type: "https://chartly.dev/problems/not_found",
        title: "not found",
        status: 404,
        code: "not_found",
        detail: `no route ${c.req.method} ${c.req.path}`,
        requestId: c.get("requestId"),
      },
      404,
      { "content-type": "application/problem+json" },
    ),
  );
  registerHealthRoute(app, deps, self);
  registerProfileRoutes(app, deps);
  registerRunRoutes(app, deps);
  registerSeriesRoutes(app, deps);
  return app;
}

export async function startGateway(config: Config): Promise<Gateway> {
  let runtime: Runtime | undefined;
  let client: RpcClient | undefined;
  // The app is built before NATS connects; requests in that window get a clear 503.
  const deps: Deps = {
    rpc: {
      call: (...args) => {
        if (!client) throw new AppError("unavailable", "the gateway is starting");
        return client.call(...args);
      },
    },
  };
  const app = createApp(config, deps, () => {
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
    liveness: false,
  });
  client = rpcClient(runtime.nc, config.RPC_TIMEOUT_MS);
  const started = runtime;
  started.logger.info({ port: started.httpPort }, "gateway ready");
  return { runtime: started, port: started.httpPort, stop: () => started.shutdown.stop() };
}
