/**
 * @module Authentication, tenancy and authorisation for everything under `/api/v1`, whoever
 * registered the route: the credential gives the principal, `X-Tenant-ID` may narrow its
 * tenants, and the access matrix decides. The tenant then travels to the services in the RPC
 * headers, where every query filters by it.
 */
import { AppError } from "@chartly/platform";
import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { GatewayEnv } from "../context.js";
import { addressVerdict } from "../limits/middleware.js";
import { allows, findRule } from "./access.js";
import type { Authenticator } from "./authenticate.js";
import { type Principal, ROLES } from "./principal.js";
import { resolveTenant, type TenancyOptions } from "./tenancy.js";

export interface AuthOptions extends TenancyOptions {
  /** False on a trusted network: requests without a credential act as admin of the default tenant. */
  required: boolean;
}

const unauthenticated = (message: string) => new AppError("unauthenticated", message);

export function authMiddleware(
  authenticator: Authenticator,
  options: AuthOptions,
): MiddlewareHandler<GatewayEnv> {
  const anonymous: Principal = { id: "anonymous", tenants: [options.defaultTenant], roles: [...ROLES] };
  const decide = async (c: Context<GatewayEnv>): Promise<void> => {
    const found = findRule(c.req.method, c.req.path);
    c.set("access", found);
    const verdict = await authenticator.authenticate(c.req.header("authorization"));
    if (verdict && !verdict.ok) {
      c.header("www-authenticate", 'Bearer error="invalid_token"');
      throw unauthenticated(verdict.reason);
    }
    if (found?.rule.roles === "public") return;
    let principal: Principal;
    if (verdict) principal = verdict.principal;
    else if (!options.required) principal = anonymous;
    else {
      c.header("www-authenticate", "Bearer");
      throw unauthenticated("this route needs a credential: send Authorization: Bearer <API key or token>");
    }
    c.set("principal", principal);
    const tenancy = resolveTenant(principal, c.req.header("x-tenant-id"), options);
    if (!tenancy.ok) throw tenancy.error;
    c.set("tenant", tenancy.tenant);
    // A path no route answers goes on to the 404; a route the matrix forgot is for admins only.
    const routed = matchedRoutes(c).some((route) => route.method !== "ALL");
    if (routed && !allows(found?.rule, principal.roles)) {
      throw new AppError(
        "permission_denied",
        `${c.req.method} ${found?.rule.path ?? c.req.path} needs one of the roles ${rolesFor(found?.rule.roles)}`,
      );
    }
    c.set("rpcContext", { tenant: tenancy.tenant, principal: principal.id, requestId: c.get("requestId") });
  };
  return async (c, next) => {
    try {
      await decide(c);
    } catch (error) {
      // An address over its rate limit is told so, not whether its credential was any good.
      await addressVerdict(c).catch((limited: unknown) => {
        c.header("www-authenticate", undefined);
        throw limited;
      });
      throw error;
    }
    return next();
  };
}

const rolesFor = (roles: readonly string[] | "public" | undefined) =>
  ["admin", ...(Array.isArray(roles) ? roles : [])].join(", ");
