/** @module Who is calling: roles, the principal a credential stands for, and a source's verdict. What each role may do is in `access.ts`. */
import { z } from "zod";

export const ROLES = ["admin", "editor", "operator", "reader", "drone", "ingest"] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);

/** Who is calling: the credential's identity, the tenants it covers and its roles. */
export interface Principal {
  /** `key:<id>`, `jwt:<subject>` or `anonymous`; never the secret itself. */
  id: string;
  tenants: string[];
  roles: Role[];
}

/** Keeps the known roles of a list, dropping anything else a token might carry. */
export const knownRoles = (values: unknown[]): Role[] =>
  values.filter((v): v is Role => typeof v === "string" && (ROLES as readonly string[]).includes(v));

/** What a credential source says about a credential; `reason` is safe to show the caller. */
export type Verdict = { ok: true; principal: Principal } | { ok: false; reason: string };
