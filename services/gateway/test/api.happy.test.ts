import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { as, KEYS, startWorld, type World } from "./harness.js";

describe("the gateway's HTTP API", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
  });
  afterAll(() => world.close());

  it("answers through the owning service, passing the tenant, the principal and the request id", async () => {
    const init = as(KEYS.reader);
    const response = await app.request("/api/v1/profiles", {
      headers: { ...(init.headers as Record<string, string>), "x-request-id": "abc-123" },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [{ id: "gdp", tenant: "acme", name: "Acme GDP" }] });
    expect(response.headers.get("x-request-id")).toBe("abc-123");
    expect(response.headers.get("server-timing")).toMatch(/^total;dur=/);
    expect(response.headers.get("x-process-time")).toMatch(/^\d+(\.\d+)?$/);
    expect(world.seen.at(-1)).toEqual({ tenant: "acme", principal: "key:reader", requestId: "abc-123" });
  });

  it("generates a request id when none (or a malformed one) is given", async () => {
    const init = as(KEYS.reader);
    const response = await app.request("/api/v1/profiles", {
      headers: { ...(init.headers as Record<string, string>), "x-request-id": "bad id with spaces" },
    });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("validates query parameters and forwards them, dimension filters included", async () => {
    const response = await app.request("/api/v1/series?profile=gdp&dim.country=JPN&limit=5", as(KEYS.reader));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { payload: Record<string, unknown> };
    expect(body.payload).toEqual({ profile: "gdp", "dim.country": "JPN", limit: 5, offset: 0 });
  });

  it("serves observations as JSON or CSV", async () => {
    const json = await app.request("/api/v1/series/1/observations", as(KEYS.reader));
    expect(await json.json()).toMatchObject({ items: [{ ts: "2024-01-01T00:00:00.000Z", value: 1.5 }] });
    const csv = await app.request("/api/v1/series/1/observations?format=csv", as(KEYS.reader));
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(await csv.text()).toBe("ts,value\n2024-01-01T00:00:00.000Z,1.5\n");
  });

  it("queues a manual run for an operator, passing the slot", async () => {
    const response = await app.request(
      "/api/v1/profiles/gdp/runs",
      as(KEYS.operator, { body: { slot: "2024-01-01T00:00:00Z" } }),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      trigger: "manual",
      payload: { profileId: "gdp", slot: "2024-01-01T00:00:00Z" },
    });
  });

  it("reports health without a credential, naming each service", async () => {
    const response = await app.request("/health");
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; services: Record<string, { status: string }> };
    expect(body.status).toBe("degraded");
    expect(body.services.gateway?.status).toBe("ok");
    expect(body.services.registry?.status).toBe("ok");
    expect(body.services.reporter).toEqual({ status: "down", error: "the reporter service is not running" });
  });

  it("answers CORS preflights for the allowed origins only", async () => {
    const cors = await world.app({ CORS_ALLOWED_ORIGINS: "https://app.example" });
    const preflight = (origin: string) =>
      cors.request("/api/v1/profiles", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "GET",
          "access-control-request-headers": "authorization",
        },
      });
    const allowed = await preflight("https://app.example");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
    const other = await preflight("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves interactive docs at /docs without a credential", async () => {
    const response = await app.request("/docs");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("/api/v1/openapi.json");
  });
});
