/**
 * @module `newApp()`: the gateway's HTTP app before any route: request ids, timing, CORS, body
 * size and rate limits, authentication and authorisation, the audit log, problem+json errors
 * (validation failures included, with a JSON pointer per field), `/api/v1/openapi.json`
 * generated from the routes' own schemas, and interactive docs at `/docs`.
 */
import { randomUUID } from "node:crypto";
import { AppError, type Logger } from "@chartly/platform";
import type { HttpBindings } from "@hono/node-server";
import { swaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono } from "@hono/zod-openapi";
import { cors } from "hono/cors";
import { routePath } from "hono/route";
import { Histogram, type Registry } from "prom-client";
import { auditMiddleware } from "./audit/middleware.js";
import type { AuditLog } from "./audit/store.js";
import type { Authenticator } from "./auth/authenticate.js";
import { type AuthOptions, authMiddleware } from "./auth/middleware.js";
import type { GatewayEnv } from "./context.js";
import { addressRateLimit, bodySizeLimit, clientIp, principalRateLimit } from "./limits/middleware.js";
import type { RateLimiter } from "./limits/rate-limit.js";
import { problemResponse } from "./problem.js";
import { RememberingRouter } from "./router.js";

export type App = OpenAPIHono<GatewayEnv>;

export interface AppOptions {
  auth: AuthOptions;
  authenticator: Authenticator;
  audit: AuditLog;
  logger: Logger;
  corsOrigins: string[];
  maxRequestBytes: number;
  trustProxy: boolean;
  /** Absent when rate limits are off. */
  rateLimits?: { limiter: RateLimiter; perIp: number; perPrincipal: number } | undefined;
  /** Where request metrics go (the registry `/metrics` serves); none are kept without one. */
  metrics?: Registry | undefined;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const API = "/api/v1/*";

const POINTER_TARGET = { json: "body", query: "query", param: "path", header: "header" } as const;

export function newApp(options: AppOptions): App {
  const app: App = new OpenAPIHono<GatewayEnv>({
    router: new RememberingRouter(),
    // Validation failures become invalid_argument problems with a pointer per field.
    defaultHook: (result) => {
      if (result.success) return;
      const where = POINTER_TARGET[result.target as keyof typeof POINTER_TARGET] ?? "body";
      const issues = result.error.issues;
      throw AppError.invalid(
        issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; "),
        issues.map((i) => ({ in: where, pointer: `/${i.path.map(String).join("/")}`, message: i.message })),
      );
    },
  });

  const requests = options.metrics
    ? new Histogram({
        name: "chartly_http_request_duration_seconds",
        help: "Time from a request's arrival to its answer's headers (an event stream's first byte), by method, route and status.",
        labelNames: ["method", "route", "status"],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
        registers: [options.metrics],
      })
    : undefined;

  app.use("*", async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    c.set("requestId", requestId);
    c.set("rpcContext", { tenant: "", principal: "anonymous", requestId });
    const started = performance.now();
    await next();
    const elapsed = performance.now() - started;
    const total = elapsed.toFixed(1);
    // The route as declared (`/api/v1/series/:id`), not the path, so the label set stays small;
    // a request no route matched is counted under the last middleware that saw it.
    requests?.observe(
      { method: c.req.method, route: routePath(c, -1), status: c.res.status },
      elapsed / 1000,
    );
    // Straight onto the Node response the adapter writes next, where there is one: `c.header()`
    // after the handler would rebuild the answer as a web Response and stream it, and even
    // `c.res.headers` turns its plain headers into a `Headers` object, on every request.
    const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
    if (outgoing && !outgoing.headersSent) {
      outgoing.setHeader("x-request-id", requestId);
      outgoing.setHeader("server-timing", `total;dur=${total}`);
      outgoing.setHeader("x-process-time", total);
    } else {
      const headers = c.res.headers; // requests made in process (tests)
      headers.set("x-request-id", requestId);
      headers.set("server-timing", `total;dur=${total}`);
      headers.set("x-process-time", total);
    }
  });
  if (options.corsOrigins.length > 0) {
    app.use(
      "*",
      cors({
        origin: options.corsOrigins,
        allowHeaders: ["authorization", "content-type", "x-request-id", "x-tenant-id", "last-event-id"],
        exposeHeaders: ["x-request-id", "retry-after", "server-timing", "x-process-time"],
        maxAge: 600,
      }),
    );
  }
  app.use(API, clientIp(options.trustProxy));
  if (options.rateLimits)
    app.use(API, addressRateLimit(options.rateLimits.limiter, options.rateLimits.perIp));
  app.use(API, bodySizeLimit(options.maxRequestBytes));
  app.use(API, auditMiddleware(options.audit, options.logger, options.auth.defaultTenant));
  app.use(API, authMiddleware(options.authenticator, options.auth));
  if (options.rateLimits) {
    app.use(API, principalRateLimit(options.rateLimits.limiter, options.rateLimits.perPrincipal));
  }

  app.onError((error, c) => {
    const response = problemResponse(c, error);
    if (response.status >= 500) {
      options.logger.error({ err: error, requestId: c.get("requestId") }, "request failed");
    }
    return response;
  });
  app.notFound((c) =>
    problemResponse(c, new AppError("not_found", `no route ${c.req.method} ${c.req.path}`)),
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key (`chk_…`) or a JWT.",
  });
  app.doc31("/api/v1/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Chartly API",
      version: "1",
      description:
        "Collect public and private data into time series. Every route under /api/v1 needs a credential " +
        "(`Authorization: Bearer <API key or JWT>`) unless marked otherwise; `X-Tenant-ID` may pick one " +
        "of the credential's tenants. Errors are application/problem+json.",
    },
    security: [{ bearer: [] }],
  });
  app.get("/docs", swaggerUI({ url: "/api/v1/openapi.json", title: "Chartly API" }));
  return app;
}
