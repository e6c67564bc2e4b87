import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import type { V1AuditListResponse } from "../src/routes/v1_audit_list.js";
import type { V1KeysCreateResponse } from "../src/routes/v1_keys_create.js";
import { as, KEYS, startWorld, type World } from "./harness.js";

describe("the audit log", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
  });
  afterAll(() => world.close());

  const audit = async (query = "", key: string = KEYS.admin, tenant?: string) =>
    (await (
      await app.request(`/api/v1/audit${query}`, as(key, tenant ? { tenant } : {}))
    ).json()) as V1AuditListResponse;

  it("records every write with who, tenant, what, target, outcome and request id", async () => {
    const created = await app.request("/api/v1/keys", {
      ...as(KEYS.admin, { body: { name: "audited", roles: ["reader"] } }),
      headers: {
        authorization: `Bearer ${KEYS.admin}`,
        "content-type": "application/json",
        "x-request-id": "audit-create-1",
      },
    });
    const key = (await created.json()) as V1KeysCreateResponse;
    await app.request(`/api/v1/keys/${key.id}`, { ...as(KEYS.admin), method: "DELETE" });
    await app.request("/api/v1/profiles/gdp/runs", as(KEYS.operator, { body: {} }));

    const { items } = await audit();
    expect(
      items.slice(0, 3).map(({ principal, action, method, target, status, tenant }) => ({
        principal,
        action,
        method,
        target,
        status,
        tenant,
      })),
    ).toEqual([
      {
        principal: "key:operator",
        action: "runs.trigger",
        method: "POST",
        target: "/api/v1/profiles/gdp/runs",
        status: 202,
        tenant: "acme",
      },
      {
        principal: "key:admin",
        action: "keys.revoke",
        method: "DELETE",
        target: `/api/v1/keys/${key.id}`,
        status: 204,
        tenant: "acme",
      },
      {
        principal: "key:admin",
        action: "keys.create",
        method: "POST",
        target: "/api/v1/keys",
        status: 201,
        tenant: "acme",
      },
    ]);
    expect(items[2]?.requestId).toBe("audit-create-1");
    expect(JSON.stringify(items)).not.toContain(key.key);
  });

  it("records refused writes too, and no reads", async () => {
    await app.request("/api/v1/keys", as(KEYS.reader, { body: { name: "sneaky", roles: ["admin"] } }));
    await app.request("/api/v1/profiles", as(KEYS.reader));
    const { items } = await audit("?principal=key:reader");
    expect(items.map((e) => `${e.action} ${e.status}`)).toEqual(["keys.create 403"]);
  });

  it("shows an admin only their tenant's entries, filtered as asked", async () => {
    await app.request("/api/v1/profiles/gdp/runs", as(KEYS.multiAdmin, { tenant: "globex", body: {} }));
    const globex = await audit("", KEYS.multiAdmin, "globex");
    expect(globex.items.map((e) => e.tenant)).toEqual(["globex"]);
    const acme = await audit("?action=keys.create&limit=1");
    expect(acme.items).toHaveLength(1);
    expect(acme.total).toBe(2);
    expect(acme.items.every((e) => e.tenant === "acme" && e.action === "keys.create")).toBe(true);
  });
});
