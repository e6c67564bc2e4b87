/**
 * @module The route × role matrix: which roles may call each route under `/api/v1`. Checked for
 * every request by the auth middleware, whoever registered the route; a route missing here is
 * open to admins only. `admin` may call everything. Mirrored in docs/security.md.
 */
import type { Role } from "./principal.js";

export interface AccessRule {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** OpenAPI-style template: `{name}` matches one path segment. */
  path: string;
  /** What the audit log calls the operation. */
  operation: string;
  /** Roles allowed besides admin; `public` needs no credential at all. */
  roles: readonly Role[] | "public";
}

const READ = ["reader", "editor", "operator"] as const satisfies readonly Role[];
const ADMIN = [] as const satisfies readonly Role[];

/** First match wins; `{name}` never spans a `/`, so `/profiles/{id}` and `/profiles/{id}/pause` differ. */
export const ACCESS_RULES: readonly AccessRule[] = [
  { method: "GET", path: "/api/v1/openapi.json", operation: "openapi", roles: "public" },

  // Fleet control (routes/fleet.ts): operators run, pause and drain; editors change schedules.
  { method: "POST", path: "/api/v1/profiles/{id}/pause", operation: "profiles.pause", roles: ["operator"] },
  { method: "POST", path: "/api/v1/profiles/{id}/resume", operation: "profiles.resume", roles: ["operator"] },
  { method: "POST", path: "/api/v1/profiles/{id}/run", operation: "profiles.run", roles: ["operator"] },
  { method: "GET", path: "/api/v1/profiles/{id}/schedule", operation: "profiles.schedule.get", roles: READ },
  {
    method: "PUT",
    path: "/api/v1/profiles/{id}/schedule",
    operation: "profiles.schedule.set",
    roles: ["editor"],
  },
  {
    method: "DELETE",
    path: "/api/v1/profiles/{id}/schedule",
    operation: "profiles.schedule.clear",
    roles: ["editor"],
  },
  { method: "POST", path: "/api/v1/drones/{id}/drain", operation: "drones.drain", roles: ["operator"] },
  { method: "POST", path: "/api/v1/drones/{id}/resume", operation: "drones.resume", roles: ["operator"] },

  { method: "GET", path: "/api/v1/profiles", operation: "profiles.list", roles: READ },
  // The language's JSON Schema holds no tenant data; editors' YAML tooling fetches it unauthenticated.
  { method: "GET", path: "/api/v1/profiles/schema", operation: "profiles.schema", roles: "public" },
  // Profile authors check their YAML; it saves nothing, but readers get no POST at all.
  { method: "POST", path: "/api/v1/profiles:validate", operation: "profiles.validate", roles: ["editor"] },
  { method: "GET", path: "/api/v1/profiles/{id}", operation: "profiles.get", roles: READ },
  { method: "POST", path: "/api/v1/profiles/{id}/runs", operation: "runs.trigger", roles: ["operator"] },
  { method: "GET", path: "/api/v1/runs", operation: "runs.list", roles: READ },
  { method: "GET", path: "/api/v1/runs/{id}", operation: "runs.get", roles: READ },
  { method: "GET", path: "/api/v1/drones", operation: "drones.list", roles: READ },
  { method: "GET", path: "/api/v1/drones/{id}", operation: "drones.get", roles: READ },
  { method: "GET", path: "/api/v1/series", operation: "series.list", roles: READ },
  { method: "GET", path: "/api/v1/series/{id}", operation: "series.get", roles: READ },
  { method: "GET", path: "/api/v1/series/{id}/observations", operation: "series.observations", roles: READ },

  // Forecasts (routes/v1_series_forecast*.ts, v1_forecasts_*.ts): editors manage, readers read.
  { method: "POST", path: "/api/v1/series/{id}/forecast", operation: "series.forecast", roles: ["editor"] },
  { method: "GET", path: "/api/v1/series/{id}/forecasts", operation: "series.forecasts", roles: READ },
  { method: "GET", path: "/api/v1/forecasts", operation: "forecasts.list", roles: READ },
  { method: "POST", path: "/api/v1/forecasts", operation: "forecasts.create", roles: ["editor"] },
  { method: "GET", path: "/api/v1/forecasts/runs/{id}", operation: "forecasts.runs.get", roles: READ },
  { method: "GET", path: "/api/v1/forecasts/{id}", operation: "forecasts.get", roles: READ },
  { method: "PATCH", path: "/api/v1/forecasts/{id}", operation: "forecasts.update", roles: ["editor"] },
  { method: "PUT", path: "/api/v1/forecasts/{id}", operation: "forecasts.replace", roles: ["editor"] },
  { method: "DELETE", path: "/api/v1/forecasts/{id}", operation: "forecasts.delete", roles: ["editor"] },
  { method: "POST", path: "/api/v1/forecasts/{id}/run", operation: "forecasts.run", roles: ["editor"] },
  { method: "GET", path: "/api/v1/records", operation: "records.list", roles: READ },
  { method: "GET", path: "/api/v1/deadletters", operation: "deadletters.list", roles: READ },
  { method: "GET", path: "/api/v1/events", operation: "events.stream", roles: READ },
  { method: "POST", path: "/api/v1/ingest", operation: "ingest.push", roles: ["ingest"] },

  // The drone API (routes/drone_*.ts): edge drones reach the control plane over HTTP.
  { method: "PUT", path: "/api/v1/drone/heartbeat", operation: "drone.heartbeat", roles: ["drone"] },
  { method: "DELETE", path: "/api/v1/drone/heartbeat/{id}", operation: "drone.leave", roles: ["drone"] },
  { method: "POST", path: "/api/v1/drone/leases", operation: "drone.lease", roles: ["drone"] },
  { method: "POST", path: "/api/v1/drone/leases/renew", operation: "drone.lease.renew", roles: ["drone"] },
  {
    method: "POST",
    path: "/api/v1/drone/leases/complete",
    operation: "drone.lease.complete",
    roles: ["drone"],
  },
  {
    method: "POST",
    path: "/api/v1/drone/leases/release",
    operation: "drone.lease.release",
    roles: ["drone"],
  },
  { method: "POST", path: "/api/v1/drone/batches", operation: "drone.batches", roles: ["drone"] },
  { method: "POST", path: "/api/v1/drone/events", operation: "drone.events", roles: ["drone"] },

  { method: "POST", path: "/api/v1/keys", operation: "keys.create", roles: ADMIN },
  { method: "GET", path: "/api/v1/keys", operation: "keys.list", roles: ADMIN },
  { method: "DELETE", path: "/api/v1/keys/{id}", operation: "keys.revoke", roles: ADMIN },
  { method: "GET", path: "/api/v1/audit", operation: "audit.list", roles: ADMIN },
];

const compiled = ACCESS_RULES.map((rule) => ({
  rule,
  pattern: new RegExp(
    `^${rule.path
      .split(/\{[^}]+\}/)
      .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("([^/]+)")}$`,
  ),
}));

/** The rule for a request, with the path's parameters in order; HEAD is treated as GET. */
export function findRule(method: string, path: string): { rule: AccessRule; params: string[] } | undefined {
  const wanted = method === "HEAD" ? "GET" : method;
  for (const { rule, pattern } of compiled) {
    if (rule.method !== wanted) continue;
    const match = pattern.exec(path);
    if (match) return { rule, params: match.slice(1).map(safeDecode) };
  }
  return undefined;
}

export function allows(rule: AccessRule | undefined, roles: readonly Role[]): boolean {
  if (roles.includes("admin")) return true;
  if (!rule) return false;
  return rule.roles === "public" || rule.roles.some((role) => roles.includes(role));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
