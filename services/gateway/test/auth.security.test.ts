import { writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { as, KEYS, KEYS_FILE, startWorld, type World } from "./harness.js";

describe("authentication", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app({ AUTH_API_KEYS_TTL_SECONDS: "0" });
  });
  afterAll(() => world.close());

  it("refuses anonymous requests to the API with 401 and a WWW-Authenticate challenge", async () => {
    for (const path of [
      "/api/v1/profiles",
      "/api/v1/runs",
      "/api/v1/series",
      "/api/v1/keys",
      "/api/v1/audit",
    ]) {
      const response = await app.request(path);
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      expect(await response.json()).toMatchObject({ code: "unauthenticated" });
    }
    const write = await app.request("/api/v1/profiles/gdp/runs", { method: "POST" });
    expect(write.status).toBe(401);
  });

  it("lets anonymous callers reach health, the OpenAPI document and the docs only", async () => {
    for (const path of ["/health", "/api/v1/openapi.json", "/docs"]) {
      const response = await app.request(path);
      expect({ path, status: response.status }).not.toEqual({ path, status: 401 });
    }
  });

  it("refuses an unknown key, a malformed header and an expired key, never echoing the credential", async () => {
    const cases: [RequestInit, string][] = [
      [as("not-a-key-we-know-of-0000000000000"), "the API key is not valid"],
      [
        { headers: { authorization: "Basic dXNlcjpwYXNz" } },
        "the Authorization header must read `Bearer <API key or token>`",
      ],
      [as(KEYS.expired), "the API key has expired"],
    ];
    for (const [init, detail] of cases) {
      const response = await app.request("/api/v1/profiles", init);
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(JSON.parse(text)).toMatchObject({ code: "unauthenticated", detail });
      expect(text).not.toContain("not-a-key-we-know-of");
      expect(text).not.toContain(KEYS.expired);
    }
  });

  it("picks up a changed keys file without a restart", async () => {
    const added = "a-key-added-while-running-000000";
    expect((await app.request("/api/v1/profiles", as(added))).status).toBe(401);
    await writeFile(
      world.keysFile,
      JSON.stringify({
        keys: [...KEYS_FILE.keys, { id: "late", key: added, tenants: ["acme"], roles: ["reader"] }],
      }),
    );
    expect((await app.request("/api/v1/profiles", as(added))).status).toBe(200);
    await writeFile(world.keysFile, JSON.stringify(KEYS_FILE));
    expect((await app.request("/api/v1/profiles", as(added))).status).toBe(401);
  });

  it("keeps the keys it has when the file turns invalid", async () => {
    await writeFile(world.keysFile, `{"keys": [{"id": "x", "key": "${"k".repeat(30)}"`);
    expect((await app.request("/api/v1/profiles", as(KEYS.reader))).status).toBe(200);
    await writeFile(world.keysFile, JSON.stringify(KEYS_FILE));
  });

  it("lets anyone in as admin of the default tenant when auth is not required, but still checks given credentials", async () => {
    const open = await world.app({ AUTH_REQUIRED: "false" });
    expect((await open.request("/api/v1/keys")).status).toBe(200);
    expect((await open.request("/api/v1/profiles", as("not-a-key-we-know-of-0000000000000"))).status).toBe(
      401,
    );
    expect((await open.request("/api/v1/keys", as(KEYS.reader))).status).toBe(403);
  });
});

describe("authorisation", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
  });
  afterAll(() => world.close());

  it("lets a reader read but not write", async () => {
    expect((await app.request("/api/v1/runs", as(KEYS.reader))).status).toBe(200);
    const run = await app.request("/api/v1/profiles/gdp/runs", as(KEYS.reader, { body: {} }));
    expect(run.status).toBe(403);
    expect(await run.json()).toMatchObject({
      code: "permission_denied",
      detail: "POST /api/v1/profiles/{id}/runs needs one of the roles admin, operator",
    });
    expect(
      (await app.request("/api/v1/keys", as(KEYS.reader, { body: { name: "x", roles: ["admin"] } }))).status,
    ).toBe(403);
  });

  it("keeps drone and ingest credentials away from the rest of the API", async () => {
    for (const key of [KEYS.drone, KEYS.ingest]) {
      expect((await app.request("/api/v1/profiles", as(key))).status).toBe(403);
      expect((await app.request("/api/v1/series", as(key))).status).toBe(403);
    }
  });

  it("keeps keys and the audit log to admins", async () => {
    for (const key of [KEYS.editor, KEYS.operator, KEYS.reader]) {
      expect((await app.request("/api/v1/keys", as(key))).status).toBe(403);
      expect((await app.request("/api/v1/audit", as(key))).status).toBe(403);
    }
    expect((await app.request("/api/v1/audit", as(KEYS.admin))).status).toBe(200);
  });
});
