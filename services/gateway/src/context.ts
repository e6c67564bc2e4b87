/** @module What every route handler gets: its dependencies and the caller's context. */
import { AppError, type Logger, type RpcClient, type RpcContext } from "@chartly/platform";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Context } from "hono";
import type { AuditLog } from "./audit/store.js";
import type { AccessRule } from "./auth/access.js";
import type { KeyStore } from "./auth/key-store.js";
import type { Principal } from "./auth/principal.js";
import type { DroneBroker } from "./drones/broker.js";
import type { RateDecision } from "./limits/rate-limit.js";

export interface GatewayEnv {
  Variables: {
    requestId: string;
    /** Tenant, principal and request id, as sent to the services. */
    rpcContext: RpcContext;
    /** Set once the credential is checked. */
    principal?: Principal;
    /** Set once the tenant is resolved. */
    tenant?: string;
    /** The access rule of the route, with the path's parameters. */
    access?: { rule: AccessRule; params: string[] } | undefined;
    /** The client's address, as rate limits and the audit log see it (worked out when asked). */
    clientIp: () => string;
    /** The per-address rate limit's count, under way (see limits/middleware.ts). */
    addressLimit?: { limit: number; decision: Promise<RateDecision> };
  };
}

export interface Deps {
  rpc: RpcClient;
  keys: KeyStore;
  audit: AuditLog;
  logger: Logger;
  /** JetStream, for the event stream and push ingest; throws `unavailable` until NATS is connected. */
  js: () => JetStreamClient;
  /** Aborted when the gateway shuts down, so long-lived answers (SSE) end. */
  closing: AbortSignal;
  /** The drone API's side of NATS; throws `unavailable` until ready or when it is not configured. */
  droneBroker: () => DroneBroker;
}

export const callerOf = (c: Context<GatewayEnv>): RpcContext => c.get("rpcContext");

/** The tenant the request acts for; set by the auth middleware on every non-public route. */
export const tenantOf = (c: Context<GatewayEnv>): string => {
  const tenant = c.get("tenant");
  if (!tenant) throw new AppError("internal", "no tenant resolved for this route");
  return tenant;
};

export const principalOf = (c: Context<GatewayEnv>): Principal => {
  const principal = c.get("principal");
  if (!principal) throw new AppError("internal", "no principal for this route");
  return principal;
};
