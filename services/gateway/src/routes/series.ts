/** @module `/api/v1/series` and observations, answered by the aggregator; CSV export on request. */
import type { Observation, Page, Series } from "@chartly/contracts";
import type { Hono } from "hono";
import { callerOf, type Deps, type GatewayEnv } from "../context.js";

/** A CSV field, quoted when it needs to be (RFC 4180). */
const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

export function toCsv(items: Observation[]): string {
  const lines = ["ts,value"];
  for (const item of items) lines.push(`${item.ts},${item.value ?? ""}`);
  return `${lines.join("\n")}\n`;
}

export function registerSeriesRoutes(app: Hono<GatewayEnv>, { rpc }: Deps): void {
  app.get("/api/v1/series", async (c) => {
    return c.json(await rpc.call<Page<Series>>("aggregator", "series.list", c.req.query(), callerOf(c)));
  });
  app.get("/api/v1/series/:id", async (c) => {
    return c.json(await rpc.call<Series>("aggregator", "series.get", { id: c.req.param("id") }, callerOf(c)));
  });
  app.get("/api/v1/series/:id/observations", async (c) => {
    const { format, ...query } = c.req.query();
    const result = await rpc.call<{ series: Series; items: Observation[] }>(
      "aggregator",
      "series.observations",
      { ...query, seriesId: c.req.param("id") },
      callerOf(c),
      30_000,
    );
    if (format === "csv") {
      const name = csvField(`series-${result.series.id}.csv`);
      return c.body(toCsv(result.items), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename=${name}`,
      });
    }
    return c.json(result);
  });
  app.get("/api/v1/records", async (c) => {
    return c.json(await rpc.call("aggregator", "records.list", c.req.query(), callerOf(c)));
  });
  app.get("/api/v1/deadletters", async (c) => {
    return c.json(await rpc.call("aggregator", "deadletters.list", c.req.query(), callerOf(c)));
  });
}
