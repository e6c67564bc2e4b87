/**
 * @module The small HTTP server each process runs for operators:
 * `/health` (alive), `/ready` (every dependency, with latency) and `/metrics` (Prometheus).
 */
import { type ServerType, serve } from "@hono/node-server";
import type { Env, Hono } from "hono";
import { collectDefaultMetrics, Registry } from "prom-client";

export type Check = () => Promise<unknown>;

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** Runs every check with a deadline; never throws. */
export async function runChecks(
  checks: Record<string, Check>,
  timeoutMs = 2_000,
): Promise<Record<string, CheckResult>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { ok: true, latencyMs: elapsed(started) }] as const;
      } catch (error) {
        return [name, { ok: false, latencyMs: elapsed(started), error: (error as Error).message }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Adds /health, /ready and /metrics to an app (the gateway mounts them on its public app). */
export function mountOpsRoutes<E extends Env>(
  app: Hono<E>,
  options: { service: string; checks: Record<string, Check>; metrics: Registry; liveness?: boolean },
): Hono<E> {
  if (options.liveness !== false)
    app.get("/health", (c) => c.json({ status: "ok", service: options.service }));
  app.get("/ready", async (c) => {
    const checks = await runChecks(options.checks);
    const ready = Object.values(checks).every((r) => r.ok);
    return c.json({ status: ready ? "ready" : "not_ready", checks }, ready ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    c.header("content-type", options.metrics.contentType);
    return c.body(await options.metrics.metrics());
  });
  return app;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

export function startHttpServer<E extends Env>(
  app: Hono<E>,
  port: number,
  hostname = "0.0.0.0",
): Promise<OpsServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType;
    try {
      server = serve({ fetch: app.fetch, port, hostname }, (info) => {
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              if ("closeIdleConnections" in server) server.closeIdleConnections();
            }),
        });
      });
      server.on("error", reject);
    } catch (error) {
      reject(error);
    }
  });
}
