/**
 * @module Which tenant a request acts for. The credential says which tenants it covers;
 * `X-Tenant-ID` may only pick one of those (narrowing), never add another.
 */
import { AppError } from "@chartly/platform";
import type { Principal } from "./principal.js";

/**
 * What a tenant id may be. It becomes a NATS subject token (`chartly.records.<tenant>.<profile>`)
 * and a NATS header value, so no dots, wildcards, spaces or control characters.
 */
export const TENANT = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
export const TENANT_RULE = "1-64 letters, digits, _ or -, starting with a letter or digit";

export interface TenancyOptions {
  defaultTenant: string;
  /** Refuse credentials that name no tenant instead of giving them the default one. */
  tenantRequired: boolean;
}

export function resolveTenant(
  principal: Principal,
  requested: string | undefined,
  options: TenancyOptions,
): { ok: true; tenant: string } | { ok: false; error: AppError } {
  let tenants = principal.tenants;
  if (tenants.length === 0) {
    if (options.tenantRequired) {
      return { ok: false, error: new AppError("permission_denied", "the credential names no tenant") };
    }
    tenants = [options.defaultTenant];
  }
  if (requested !== undefined) {
    if (!TENANT.test(requested)) {
      return {
        ok: false,
        error: AppError.invalid("X-Tenant-ID is not a valid tenant id", [
          { in: "header", pointer: "/x-tenant-id", message: "must be letters, digits, _ or -" },
        ]),
      };
    }
    if (!tenants.includes(requested)) {
      return {
        ok: false,
        error: new AppError("permission_denied", `the credential does not cover tenant ${requested}`),
      };
    }
    return { ok: true, tenant: requested };
  }
  if (tenants.length > 1) {
    return {
      ok: false,
      error: AppError.invalid("the credential covers several tenants; name one with X-Tenant-ID", [
        { in: "header", pointer: "/x-tenant-id", message: "is required for this credential" },
      ]),
    };
  }
  const tenant = tenants[0] as string;
  // A token may carry any claim; a tenant id that could not travel safely is refused, not used.
  if (!TENANT.test(tenant)) {
    return {
      ok: false,
      error: new AppError(
        "permission_denied",
        `the credential's tenant is not a valid tenant id (${TENANT_RULE})`,
      ),
    };
  }
  return { ok: true, tenant };
}
