import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import type { Problem } from "../src/problem.js";
import { as, KEYS, startWorld, type World } from "./harness.js";

describe("path parameters the data layer cannot take", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
  });
  afterAll(() => world.close());

  it("refuses an id with a control character, pointing at it, before any service sees it", async () => {
    const before = world.seen.length;
    for (const path of ["/api/v1/profiles/gd%00p", "/api/v1/runs/a%0Ab", "/api/v1/drones/%7F"]) {
      const response = await app.request(path, as(KEYS.reader));
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.errors).toEqual([
        { in: "path", pointer: "/id", message: "must not contain control characters" },
      ]);
    }
    expect(world.seen.length).toBe(before);
  });

  it("still records a refused write whose path carries NUL in the audit log", async () => {
    const response = await app.request("/api/v1/keys/k%00ey", {
      ...as(KEYS.admin),
      method: "DELETE",
      headers: { authorization: `Bearer ${KEYS.admin}`, "x-request-id": "nul-in-path" },
    });
    expect(response.status).toBe(400);
    const [row] = await world.sql<{ target: string; status: number }[]>`
      select target, status from audit_log where request_id = 'nul-in-path'`;
    expect(row).toEqual({ target: "/api/v1/keys/k\uFFFDey", status: 400 });
  });
});
