import { startHttpServer } from "@chartly/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { as, KEYS, startWorld, type World } from "./harness.js";

// An hour-long window, so no test straddles two windows.
const LIMITS = { RATE_LIMIT_WINDOW_SECONDS: "3600", RATE_LIMIT_PER_IP: "1000" };

describe("rate limits", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(() => world.close());

  it("refuses a credential over its limit with 429 and Retry-After", async () => {
    const app = await world.app({ ...LIMITS, RATE_LIMIT_PER_PRINCIPAL: "3" });
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await app.request("/api/v1/profiles", as(KEYS.reader))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await app.request("/api/v1/profiles", as(KEYS.reader));
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await refused.json()).toMatchObject({ code: "rate_limited", status: 429 });
    // Another credential has its own budget.
    expect((await app.request("/api/v1/profiles", as(KEYS.editor))).status).toBe(200);
  });

  it("shares the count between gateway replicas", async () => {
    const replicas = [
      await world.app({ ...LIMITS, RATE_LIMIT_PER_PRINCIPAL: "4" }),
      await world.app({ ...LIMITS, RATE_LIMIT_PER_PRINCIPAL: "4" }),
    ];
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const replica = replicas[i % 2];
      statuses.push((await replica?.request("/api/v1/runs", as(KEYS.operator)))?.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it("counts from the shared counter when another replica counted since this one last did", async () => {
    const [first, second] = [
      await world.app({ ...LIMITS, RATE_LIMIT_PER_PRINCIPAL: "5" }),
      await world.app({ ...LIMITS, RATE_LIMIT_PER_PRINCIPAL: "5" }),
    ];
    // The first replica last saw a count of 1; the second then takes the rest of the budget.
    expect((await first.request("/api/v1/runs", as(KEYS.globexReader))).status).toBe(200);
    const fromSecond = [];
    for (let i = 0; i < 4; i++)
      fromSecond.push((await second.request("/api/v1/runs", as(KEYS.globexReader))).status);
    expect(fromSecond).toEqual([200, 200, 200, 200]);
    expect((await first.request("/api/v1/runs", as(KEYS.globexReader))).status).toBe(429);
    expect((await second.request("/api/v1/runs", as(KEYS.globexReader))).status).toBe(429);
  });

  it("lets exactly the limit through when requests arrive at once", async () => {
    const app = await world.app({ ...LIMITS, RATE_LIMIT_PER_PRINCIPAL: "10" });
    const statuses = await Promise.all(
      Array.from({ length: 25 }, async () => (await app.request("/api/v1/drones", as(KEYS.admin))).status),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it("limits a client address before authentication", async () => {
    const app = await world.app({ ...LIMITS, RATE_LIMIT_PER_IP: "2" });
    const server = await startHttpServer(app, 0, "127.0.0.1");
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await fetch(`http://127.0.0.1:${server.port}/api/v1/series`)).status);
      expect(statuses).toEqual([401, 401, 429]);
      const keyed = await fetch(`http://127.0.0.1:${server.port}/api/v1/series`, as(KEYS.reader));
      expect(keyed.status).toBe(429);
      expect(keyed.headers.get("retry-after")).toMatch(/^\d+$/);
      // Over its limit, an address learns nothing of the credential it sent.
      for (const authorization of ["Bearer not-a-key-0000000000000000000000", "Basic eDp5"]) {
        const guessed = await fetch(`http://127.0.0.1:${server.port}/api/v1/series`, {
          headers: { authorization },
        });
        expect(guessed.status).toBe(429);
        expect(guessed.headers.get("www-authenticate")).toBeNull();
        expect(await guessed.json()).toMatchObject({ code: "rate_limited" });
      }
      // Health stays reachable for probes.
      expect((await fetch(`http://127.0.0.1:${server.port}/health`)).status).not.toBe(429);
    } finally {
      await server.close();
    }
  });

  it("can be turned off", async () => {
    const app = await world.app({ ...LIMITS, RATE_LIMIT_ENABLED: "false", RATE_LIMIT_PER_PRINCIPAL: "1" });
    for (let i = 0; i < 3; i++)
      expect((await app.request("/api/v1/profiles", as(KEYS.globexReader))).status).toBe(200);
  });
});
