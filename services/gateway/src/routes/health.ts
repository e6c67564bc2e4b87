/**
 * @module `/health`: the whole system at a glance. Each service is asked over NATS (any one
 * replica answers); the gateway is healthy when every service answers ok, degraded otherwise.
 */
import { type HealthReport, SERVICES } from "@chartly/contracts";
import type { Hono } from "hono";
import type { Deps, GatewayEnv } from "../context.js";

const PROBE = { tenant: "", principal: "system:gateway", requestId: "" };

export function registerHealthRoute(
  app: Hono<GatewayEnv>,
  { rpc }: Deps,
  self: () => Promise<HealthReport>,
): void {
  app.get("/health", async (c) => {
    const others = SERVICES.filter((s) => s !== "gateway");
    const reports = await Promise.all(
      others.map(async (service) => {
        try {
          const report = await rpc.call<HealthReport>(service, "health", {}, PROBE, 2_000);
          return [
            service,
            { status: report.status, instance: report.instance, checks: report.checks },
          ] as const;
        } catch (error) {
          return [service, { status: "down", error: (error as Error).message }] as const;
        }
      }),
    );
    const services = Object.fromEntries([["gateway", await self()], ...reports]) as Record<
      string,
      { status: string }
    >;
    const healthy = Object.values(services).every((s) => s.status === "ok");
    return c.json({ status: healthy ? "healthy" : "degraded", services }, healthy ? 200 : 503);
  });
}
