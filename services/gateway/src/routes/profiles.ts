/** @module `/api/v1/profiles`: list, get and run-now, answered by the registry and coordinator. */
import type { Run, StoredProfile } from "@chartly/contracts";
import type { Hono } from "hono";
import { callerOf, type Deps, type GatewayEnv } from "../context.js";

export function registerProfileRoutes(app: Hono<GatewayEnv>, { rpc }: Deps): void {
  app.get("/api/v1/profiles", async (c) => {
    const items = await rpc.call<StoredProfile[]>("registry", "profiles.list", {}, callerOf(c));
    return c.json({ items });
  });
  app.get("/api/v1/profiles/:id", async (c) => {
    const profile = await rpc.call<StoredProfile>(
      "registry",
      "profiles.get",
      { id: c.req.param("id") },
      callerOf(c),
    );
    return c.json(profile);
  });
  app.post("/api/v1/profiles/:id/runs", async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { slot?: unknown };
    const run = await rpc.call<Run>(
      "coordinator",
      "runs.trigger",
      { profileId: c.req.param("id"), ...(body.slot !== undefined ? { slot: body.slot } : {}) },
      callerOf(c),
    );
    return c.json(run, 202);
  });
}
