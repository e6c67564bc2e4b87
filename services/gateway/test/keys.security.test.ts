import { waitFor } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import type { V1KeysCreateResponse } from "../src/routes/v1_keys_create.js";
import type { V1KeysListResponse } from "../src/routes/v1_keys_list.js";
import { as, KEYS, startWorld, type World } from "./harness.js";

describe("managed API keys", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
  });
  afterAll(() => world.close());

  const create = async (body: object, key: string = KEYS.admin) => {
    const response = await app.request("/api/v1/keys", as(key, { body }));
    return { status: response.status, body: (await response.json()) as V1KeysCreateResponse, response };
  };

  it("shows a new key once and stores only its hash", async () => {
    const { status, body, response } = await create({ name: "ci", roles: ["reader"] });
    expect(status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(body).toMatchObject({ tenant: "acme", name: "ci", roles: ["reader"], createdBy: "key:admin" });
    expect(body.key).toMatch(/^chk_[0-9a-f]{16}_[\w-]{32}$/);
    const [row] = await world.sql<
      { secret_hash: string }[]
    >`select secret_hash from api_keys where id = ${body.id}`;
    expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(body.key.slice(21));
    const list = (await (await app.request("/api/v1/keys", as(KEYS.admin))).json()) as V1KeysListResponse;
    expect(list.items.find((k) => k.id === body.id)).toBeDefined();
    expect(JSON.stringify(list)).not.toContain(body.key);
  });

  it("authenticates with a created key in its tenant and roles, and records its last use", async () => {
    const { body } = await create({ name: "dashboard", roles: ["reader"] });
    const read = await app.request("/api/v1/profiles/gdp", as(body.key));
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ tenant: "acme" });
    expect((await app.request("/api/v1/keys", as(body.key))).status).toBe(403);
    const used = await waitFor("last_used_at to be recorded", async () => {
      const [row] = await world.sql<{ last_used_at: Date | null }[]>`
        select last_used_at from api_keys where id = ${body.id}`;
      return row?.last_used_at ?? undefined;
    });
    expect(used.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("refuses a revoked key at once", async () => {
    const { body } = await create({ name: "temp", roles: ["reader"] });
    expect((await app.request("/api/v1/profiles", as(body.key))).status).toBe(200);
    const revoke = await app.request(`/api/v1/keys/${body.id}`, { ...as(KEYS.admin), method: "DELETE" });
    expect(revoke.status).toBe(204);
    const refused = await app.request("/api/v1/profiles", as(body.key));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ detail: "the API key has been revoked" });
    const again = await app.request(`/api/v1/keys/${body.id}`, { ...as(KEYS.admin), method: "DELETE" });
    expect(again.status).toBe(404);
  });

  it("refuses an expired key", async () => {
    const { body } = await create({
      name: "short",
      roles: ["reader"],
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await world.sql`update api_keys set expires_at = now() - interval '1 second' where id = ${body.id}`;
    const fresh = await world.app(); // a replica that has not cached the key
    const refused = await fresh.request("/api/v1/profiles", as(body.key));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ detail: "the API key has expired" });
  });

  it("refuses a key whose secret is wrong, even with a real id", async () => {
    const { body } = await create({ name: "guessed", roles: ["admin"] });
    const forged = `${body.key.slice(0, 21)}${"A".repeat(32)}`;
    expect((await app.request("/api/v1/profiles", as(forged))).status).toBe(401);
  });

  it("never lets one tenant's admin see or revoke another tenant's keys", async () => {
    const { body } = await create({ name: "acme only", roles: ["reader"] });
    const globexAdmin = { ...as(KEYS.multiAdmin, { tenant: "globex" }) };
    const list = (await (await app.request("/api/v1/keys", globexAdmin)).json()) as V1KeysListResponse;
    expect(list.items.map((k) => k.id)).not.toContain(body.id);
    const revoke = await app.request(`/api/v1/keys/${body.id}`, { ...globexAdmin, method: "DELETE" });
    expect(revoke.status).toBe(404);
    expect((await app.request("/api/v1/profiles", as(body.key))).status).toBe(200);
  });

  it("refuses an expiry in the past", async () => {
    const { status } = await create({ name: "late", roles: ["reader"], expiresAt: "2020-01-01T00:00:00Z" });
    expect(status).toBe(400);
  });
});
