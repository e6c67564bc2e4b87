/**
 * @module `/health`: the whole system at a glance. Each service is asked over NATS (any one
 * replica answers); the gateway is healthy when every service answers ok, degraded otherwise.
 */
import { type HealthReport, SERVICES } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import type { Deps } from "../context.js";
import { json } from "./openapi.js";

const PROBE = { tenant: "", principal: "system:gateway", requestId: "" };

const ServiceStatusSchema = z
  .object({ status: z.string(), error: z.string().optional() })
  .catchall(z.unknown())
  .openapi({ description: "A service's own health report, or why it did not answer." });
const ResponseSchema = z.object({
  status: z.enum(["healthy", "degraded"]),
  services: z.record(z.string(), ServiceStatusSchema),
});
export type HealthResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "health",
  tags: ["ops"],
  method: "get",
  path: "/health",
  summary: "System health",
  security: [],
  responses: {
    200: json(ResponseSchema, "Every service answered ok."),
    503: json(ResponseSchema, "At least one service is down or degraded."),
  },
});

export function registerHealthRoute(app: App, { rpc }: Deps, self: () => Promise<HealthReport>) {
  return app.openapi(route, async (c) => {
    const others = SERVICES.filter((s) => s !== "gateway");
    const reports = await Promise.all(
      others.map(async (service) => {
        try {
          const report = await rpc.call<HealthReport>(service, "health", {}, PROBE, 2_000);
          return [
            service,
            {
              status: report.status,
              instance: report.instance,
              checks: report.checks,
              ...(report.role ? { role: report.role, leader: report.leader ?? null } : {}),
            },
          ] as const;
        } catch (error) {
          return [service, { status: "down", error: (error as Error).message }] as const;
        }
      }),
    );
    const services: HealthResponse["services"] = Object.fromEntries([["gateway", await self()], ...reports]);
    const healthy = Object.values(services).every((s) => s.status === "ok");
    return healthy
      ? c.json({ status: "healthy" as const, services }, 200)
      : c.json({ status: "degraded" as const, services }, 503);
  });
}
