/**
 * @module Records every write under `/api/v1` once it is answered, refused ones included, as long
 * as the caller was identified. A failure to record is logged; the write has already happened.
 */
import type { Logger } from "@chartly/platform";
import type { MiddlewareHandler } from "hono";
import type { GatewayEnv } from "../context.js";
import type { AuditLog } from "./store.js";

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

export function auditMiddleware(
  audit: AuditLog,
  logger: Logger,
  defaultTenant: string,
): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    if (READS.has(c.req.method)) return next();
    // Read while the socket is open: a client that hangs up mid-write still leaves its address.
    const ip = c.get("clientIp")?.() || null;
    await next();
    const principal = c.get("principal");
    if (!principal) return;
    const access = c.get("access");
    try {
      await audit.record({
        tenant: c.get("tenant") ?? principal.tenants[0] ?? defaultTenant,
        principal: principal.id,
        action: access?.rule.operation ?? "unknown",
        method: c.req.method,
        target: c.req.path,
        status: c.res.status,
        requestId: c.get("requestId"),
        ip,
      });
    } catch (error) {
      logger.error({ err: error, requestId: c.get("requestId") }, "cannot record a write in the audit log");
    }
  };
}
