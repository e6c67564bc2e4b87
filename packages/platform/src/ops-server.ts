/**
 * @module The small HTTP server each process runs for operators:
 * `/health` (alive), `/ready` (every dependency, with latency) and `/metrics` (Prometheus).
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
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
  /**
   * Stops taking requests and resolves once every connection has ended. Requests already
   * under way finish, and their answers say `Connection: close`; so does any request that
   * reaches a kept-alive connection after this call. Connections still open after
   * `graceMs` are cut.
   */
  close(graceMs?: number): Promise<void>;
}

export function startHttpServer<E extends Env>(
  app: Hono<E>,
  port: number,
  hostname = "0.0.0.0",
): Promise<OpsServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType;
    let closing: Promise<void> | undefined;
    const unanswered = new Set<ServerResponse>();
    const close = (graceMs: number) =>
      new Promise<void>((done) => {
        const http = server as Server;
        const cut = setTimeout(() => http.closeAllConnections(), graceMs);
        cut.unref();
        http.close(() => {
          clearTimeout(cut);
          done();
        });
        for (const res of unanswered) if (!res.headersSent) res.shouldKeepAlive = false;
        http.closeIdleConnections();
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
      });
      // Runs before the app sees the request. A client that keeps its connection busy would
      // otherwise hold a closing server open, and be served, for as long as it liked.
      server.prependListener("request", (_req: IncomingMessage, res: ServerResponse) => {
        if (closing) {
          res.shouldKeepAlive = false;
          return;
        }
        unanswered.add(res);
        res.once("close", () => {
          unanswered.delete(res);
          // An answer sent as keep-alive before the close leaves an idle connection behind.
          if (closing) setImmediate(() => (server as Server).closeIdleConnections());
        });
      });
      server.on("error", reject);
    } catch (error) {
      reject(error);
    }
  });
}
