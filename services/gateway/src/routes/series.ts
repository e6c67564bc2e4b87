/** @module `/api/v1/series` and observations, answered by the aggregator. */
import type { Observation, Page, Series } from "@chartly/contracts";
import type { Hono } from "hono";
import { callerOf, type Deps, type GatewayEnv } from "../context.js";

export function registerSeriesRoutes(app: Hono<GatewayEnv>, { rpc }: Deps): void {
  app.get("/api/v1/series", async (c) => {
    return c.json(await rpc.call<Page<Series>>("aggregator", "series.list", c.req.query(), callerOf(c)));
  });
  app.get("/api/v1/series/:id", async (c) => {
    return c.json(await rpc.call<Series>("aggregator", "series.get", { id: c.req.param("id") }, callerOf(c)));
  });
  app.get("/api/v1/series/:id/observations", async (c) => {
    const result = await rpc.call<{ series: Series; items: Observation[] }>(
      "aggregator",
      "series.observations",
      { ...c.req.query(), seriesId: c.req.param("id") },
      callerOf(c),
    );
    return c.json(result);
  });
}
