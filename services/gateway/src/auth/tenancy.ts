/**
 * @module Which tenant a request acts for. The credential says which tenants it covers;
 * `X-Tenant-ID` may only pick one of those (narrowing), never add another.
 */
import { AppError } from "@chartly/platform";
import type { Principal } from "./principal.js";

const TENANT = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

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
  return { ok: true, tenant: tenants[0] as string };
}
