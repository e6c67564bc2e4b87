import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { ACCESS_RULES, allows, findRule } from "../src/auth/access.js";
import { ROLES } from "../src/auth/principal.js";
import { KEYS, startWorld, type World } from "./harness.js";

interface Operation {
  operationId: string;
  parameters?: { in: string; name: string; schema?: { type?: string } }[];
}
type Paths = Record<string, Record<string, Operation>>;

const KEY_OF_ROLE = {
  admin: KEYS.admin,
  editor: KEYS.editor,
  operator: KEYS.operator,
  reader: KEYS.reader,
  drone: KEYS.drone,
  ingest: KEYS.ingest,
} as const;

describe("the route × role matrix", () => {
  let world: World;
  let app: App;
  let paths: Paths;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
    paths = ((await (await app.request("/api/v1/openapi.json")).json()) as { paths: Paths }).paths;
  });
  afterAll(() => world.close());

  const operations = () =>
    Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );

  /** A concrete path for a template: integers where the schema says so, `gdp` elsewhere. */
  const concrete = (path: string, op: Operation) =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const param = op.parameters?.find((p) => p.in === "path" && p.name === name);
      return param?.schema?.type === "integer" ? "1" : "gdp";
    });

  it("lists every route in the OpenAPI document, each under its access rule's operation id", () => {
    const documented = operations().filter((o) => o.path.startsWith("/api/v1/"));
    // Everything the app answers under /api/v1 is declared with its schemas (the document itself aside).
    const registered = app.routes
      .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1/") && r.path !== "/api/v1/openapi.json")
      .map((r) => `${r.method} ${r.path.replace(/\/:(\w+)(\{[^}]*\})?/g, "/{$1}")}`);
    expect(documented.map((o) => `${o.method} ${o.path}`).sort()).toEqual([...new Set(registered)].sort());
    expect(documented.length).toBeGreaterThanOrEqual(16);
    for (const { path, method, op } of documented) {
      expect({ path, method, operation: findRule(method, concrete(path, op))?.rule.operation }).toEqual({
        path,
        method,
        operation: op.operationId,
      });
    }
  });

  it("has an access rule for every route registered under /api/v1", () => {
    const registered = app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1/"));
    const missing = registered
      .map((r) => `${r.method} ${r.path}`)
      .filter((route) => {
        const [method = "", path = ""] = route.split(" ");
        return !findRule(method, path.replace(/\/:\w+(\{[^}]*\})?/g, "/x"));
      });
    expect(missing).toEqual([]);
  });

  it("allows and refuses every documented route for every role and for no credential, as declared", async () => {
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const { path, method, op } of operations()) {
      const url = concrete(path, op);
      const rule = findRule(method, url)?.rule;
      const callers: [string, string | undefined][] = [
        ["anonymous", undefined],
        ...ROLES.map((role) => [role, KEY_OF_ROLE[role]] as [string, string]),
      ];
      for (const [who, key] of callers) {
        const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
        const write = method !== "GET";
        if (write) headers["content-type"] = "application/json";
        const response = await app.request(url, { method, headers, ...(write ? { body: "{}" } : {}) });
        const status = response.status;
        const verdict = status === 401 ? "unauthenticated" : status === 403 ? "denied" : "allowed";
        outcomes.push(`${who} ${method} ${path}: ${verdict}`);
        const isPublic = path === "/health" || rule?.roles === "public";
        const want = isPublic
          ? "allowed"
          : key === undefined
            ? "unauthenticated"
            : allows(rule, [who as (typeof ROLES)[number]])
              ? "allowed"
              : "denied";
        expected.push(`${who} ${method} ${path}: ${want}`);
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it("gives admins everything and readers no write", () => {
    for (const rule of ACCESS_RULES) {
      expect(allows(rule, ["admin"])).toBe(true);
      if (rule.method !== "GET")
        expect({ rule: rule.path, reader: allows(rule, ["reader"]) }).toEqual({
          rule: rule.path,
          reader: false,
        });
    }
  });

  it("is the table in docs/security.md", async () => {
    const doc = await readFile(new URL("../../../docs/security.md", import.meta.url), "utf8");
    const table = doc.split("<!-- access-matrix:start -->")[1]?.split("<!-- access-matrix:end -->")[0] ?? "";
    const rows = table
      .trim()
      .split("\n")
      .slice(2)
      .map((line) =>
        line
          .replace(/`/g, "")
          .split("|")
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual(
      ACCESS_RULES.map((r) => [
        r.method,
        r.path,
        r.operation,
        r.roles === "public" ? "anyone (no credential)" : ["admin", ...r.roles].join(", "),
      ]),
    );
  });
});
