/** @module `/api/v1/runs` and `/api/v1/drones`, answered by the coordinator. */
import type { DroneView, Run } from "@chartly/contracts";
import type { Hono } from "hono";
import { callerOf, type Deps, type GatewayEnv } from "../context.js";

export function registerRunRoutes(app: Hono<GatewayEnv>, { rpc }: Deps): void {
  app.get("/api/v1/runs", async (c) => {
    const page = await rpc.call<{ items: Run[]; total: number }>(
      "coordinator",
      "runs.list",
      c.req.query(),
      callerOf(c),
    );
    return c.json(page);
  });
  app.get("/api/v1/runs/:id", async (c) => {
    return c.json(await rpc.call<Run>("coordinator", "runs.get", { id: c.req.param("id") }, callerOf(c)));
  });
  app.get("/api/v1/drones", async (c) => {
    return c.json(await rpc.call<{ items: DroneView[] }>("coordinator", "drones.list", {}, callerOf(c)));
  });
  app.get("/api/v1/drones/:id", async (c) => {
    return c.json(
      await rpc.call<DroneView>("coordinator", "drones.get", { id: c.req.param("id") }, callerOf(c)),
    );
  });
}
