/**
 * @module The small HTTP server each process runs for operators:
 * `/live` and `/health` (alive), `/ready` (every dependency, with latency) and `/metrics`
 * (Prometheus).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { serve } from "@hono/node-server";
import type { Context, Env, Hono } from "hono";
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

/** Adds /live, /health, /ready and /metrics to an app (the gateway mounts them on its public app, without /health). */
export function mountOpsRoutes<E extends Env>(
  app: Hono<E>,
  options: { service: string; checks: Record<string, Check>; metrics: Registry; liveness?: boolean },
): Hono<E> {
  // `/live` answers while the process does, whatever its dependencies: the liveness probe. The
  // gateway's `/health` reports the whole system instead, so a probe there would restart
  // gateways for another service's outage.
  const alive = (c: Context<E>) => c.json({ status: "ok", service: options.service });
  app.get("/live", alive);
  if (options.liveness !== false) app.get("/health", alive);
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
  /**
   * Stops taking requests and resolves once every connection has ended. Requests already
   * under way finish; a request that reaches a kept-alive connection after this call is
   * answered with `Connection: close` (unless its handler sets that header itself), and
   * connections are closed as soon as they fall idle. Connections still open after `graceMs`
   * are cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** How often a closing server looks for connections that have fallen idle. */
const IDLE_SWEEP_MS = 20;

export function startHttpServer<E extends Env>(
  app: Hono<E>,
  port: number,
  hostname = "0.0.0.0",
): Promise<OpsServer> {
  return new Promise((resolve, reject) => {
    let server: Server;
    let closing: Promise<void> | undefined;
    // Node's own close() stops listening and closes the connections idle at that moment; a
    // client that keeps its connection busy would hold the server open, and be served, for as
    // long as it liked. Nothing here runs per request until the close.
    const close = (graceMs: number) =>
      new Promise<void>((done) => {
        server.prependListener("request", (_req: IncomingMessage, res: ServerResponse) => {
          res.shouldKeepAlive = false;
        });
        const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
        const cut = setTimeout(() => server.closeAllConnections(), graceMs);
        sweep.unref();
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(cut);
          done();
        });
      });
    try {
      server = serve({ fetch: app.fetch, port, hostname }, (info) => {
        resolve({
          port: info.port,
          close: (graceMs = 10_000) => {
            closing ??= close(graceMs);
            return closing;
          },
        });
      }) as Server;
      server.on("error", reject);
    } catch (error) {
      reject(error);
    }
  });
}
