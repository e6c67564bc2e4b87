import { AppError, rpcClient, serveRpc } from "@chartly/platform";
import { type NatsServer, startNatsServer } from "@chartly/testkit";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createApp } from "../src/service.js";

describe("the gateway's HTTP API", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let app: ReturnType<typeof createApp>;
  const seen: { tenant: string; requestId: string }[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    // A real registry stand-in on real NATS: the gateway cannot tell the difference.
    serveRpc(
      nc,
      "registry",
      {
        health: () => ({ service: "registry", instance: "r1", status: "ok", checks: {} }),
        "profiles.list": (_p, ctx) => {
          seen.push(ctx);
          return [{ id: "gdp" }];
        },
        "profiles.get": (payload) => {
          throw AppError.notFound(`profile ${(payload as { id: string }).id}`);
        },
      },
      { logger: pino({ level: "silent" }) },
    );
    const config = loadConfig({ DEFAULT_TENANT: "acme" });
    app = createApp(config, { rpc: rpcClient(nc, 1_000) }, async () => ({
      service: "gateway",
      instance: "g1",
      status: "ok",
      version: "test",
      uptimeSeconds: 1,
      checks: {},
    }));
  });
  afterAll(async () => {
    await nc.close();
    await nats.stop();
  });

  it("answers through the owning service, passing the tenant and the request id", async () => {
    const response = await app.request("/api/v1/profiles", { headers: { "x-request-id": "abc-123" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [{ id: "gdp" }] });
    expect(response.headers.get("x-request-id")).toBe("abc-123");
    expect(response.headers.get("server-timing")).toMatch(/^total;dur=/);
    expect(seen.at(-1)).toMatchObject({ tenant: "acme", requestId: "abc-123" });
  });

  it("generates a request id when none (or a malformed one) is given", async () => {
    const response = await app.request("/api/v1/profiles", {
      headers: { "x-request-id": "bad id with spaces" },
    });
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("maps a service's error code to its HTTP status as problem+json", async () => {
    const response = await app.request("/api/v1/profiles/nope");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: "not_found", status: 404, detail: "profile nope was not found" });
    expect(body.requestId).toBe(response.headers.get("x-request-id"));
  });

  it("answers 503 when the owning service is not running", async () => {
    const response = await app.request("/api/v1/series");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      code: "unavailable",
      detail: "the aggregator service is not running",
    });
  });

  it("answers 404 problem+json for an unknown route", async () => {
    const response = await app.request("/api/v2/nothing");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      code: "not_found",
      detail: "no route GET /api/v2/nothing",
    });
  });

  it("reports degraded health naming each service that is down", async () => {
    const response = await app.request("/health");
    expect(response.status).toBe(503);
    const body = (await response.json()) as { status: string; services: Record<string, { status: string }> };
    expect(body.status).toBe("degraded");
    expect(body.services.gateway?.status).toBe("ok");
    expect(body.services.registry?.status).toBe("ok");
    expect(body.services.coordinator).toEqual({
      status: "down",
      error: "the coordinator service is not running",
    });
  });
});
