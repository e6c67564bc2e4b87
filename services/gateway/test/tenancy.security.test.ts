import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { as, KEYS, startWorld, type World } from "./harness.js";

describe("tenant isolation", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
  });
  afterAll(() => world.close());

  const get = async (path: string, key: string, tenant?: string) => {
    const response = await app.request(path, as(key, tenant ? { tenant } : {}));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it("shows each tenant its own profile under the same id", async () => {
    expect((await get("/api/v1/profiles/gdp", KEYS.reader)).body).toMatchObject({
      tenant: "acme",
      name: "Acme GDP",
    });
    expect((await get("/api/v1/profiles/gdp", KEYS.globexReader)).body).toMatchObject({
      tenant: "globex",
      name: "Globex GDP",
    });
    expect((await get("/api/v1/profiles", KEYS.globexReader)).body).toEqual({
      items: [{ id: "gdp", tenant: "globex", name: "Globex GDP" }],
    });
  });

  it("never shows a key of one tenant another tenant's series, runs or observations", async () => {
    // Series 1 is acme's, series 2 globex's.
    expect((await get("/api/v1/series/1", KEYS.reader)).status).toBe(200);
    expect((await get("/api/v1/series/2", KEYS.reader)).status).toBe(404);
    expect((await get("/api/v1/series/1", KEYS.globexReader)).status).toBe(404);
    expect((await get("/api/v1/series/1/observations", KEYS.globexReader)).status).toBe(404);
    const runs = await get("/api/v1/runs", KEYS.globexReader);
    expect(runs.body).toMatchObject({ items: [{ tenant: "globex" }] });
    expect(
      world.seen.filter((ctx) => ctx.principal === "key:globex-reader").map((ctx) => ctx.tenant),
    ).toEqual(expect.arrayContaining(["globex"]));
    expect(
      world.seen.filter((ctx) => ctx.principal === "key:globex-reader" && ctx.tenant !== "globex"),
    ).toEqual([]);
  });

  it("refuses X-Tenant-ID naming a tenant the credential does not cover", async () => {
    const response = await get("/api/v1/profiles", KEYS.reader, "globex");
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      code: "permission_denied",
      detail: "the credential does not cover tenant globex",
    });
  });

  it("accepts X-Tenant-ID naming the credential's own tenant", async () => {
    expect((await get("/api/v1/profiles", KEYS.reader, "acme")).status).toBe(200);
  });

  it("lets a credential of several tenants narrow to one, and asks it to", async () => {
    expect((await get("/api/v1/profiles/gdp", KEYS.multiAdmin, "globex")).body).toMatchObject({
      tenant: "globex",
    });
    expect((await get("/api/v1/profiles/gdp", KEYS.multiAdmin, "acme")).body).toMatchObject({
      tenant: "acme",
    });
    const ambiguous = await get("/api/v1/profiles", KEYS.multiAdmin);
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body).toMatchObject({ errors: [{ in: "header", pointer: "/x-tenant-id" }] });
    expect((await get("/api/v1/profiles", KEYS.multiAdmin, "initech")).status).toBe(403);
  });

  it("rejects a malformed X-Tenant-ID", async () => {
    expect((await get("/api/v1/profiles", KEYS.reader, "acme/../globex")).status).toBe(400);
  });
});
