import { type NatsServer, startNatsServer } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Runtime, startRuntime } from "../src/index.js";

describe("a process runtime", () => {
  let nats: NatsServer;
  let runtime: Runtime;
  let base: string;
  let postgresUp = true;

  beforeAll(async () => {
    nats = await startNatsServer();
    runtime = await startRuntime({ service: "registry", natsUrl: nats.url, httpPort: 0, logLevel: "silent" });
    runtime.addCheck("postgres", async () => {
      if (!postgresUp) throw new Error("connection refused");
    });
    base = `http://127.0.0.1:${runtime.httpPort}`;
  });
  afterAll(async () => {
    await runtime.shutdown.stop();
    await nats.stop();
  });

  it("answers /health while alive", async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", service: "registry" });
    const live = await fetch(`${base}/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok", service: "registry" });
  });

  it("reports each dependency with its latency on /ready, and 503 when one is down", async () => {
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean; latencyMs: number }> };
    expect(body.checks.nats?.ok).toBe(true);
    expect(body.checks.nats?.latencyMs).toBeGreaterThanOrEqual(0);

    postgresUp = false;
    const notReady = await fetch(`${base}/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({
      status: "not_ready",
      checks: { postgres: { ok: false, error: "connection refused" }, nats: { ok: true } },
    });
    postgresUp = true;
  });

  it("exposes default and own metrics in Prometheus format", async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain('service="registry"');
  });

  it("answers /live alone when the app serves its own /health (the gateway's whole-system report)", async () => {
    const own = await startRuntime({
      service: "gateway",
      natsUrl: nats.url,
      httpPort: 0,
      logLevel: "silent",
      liveness: false,
    });
    try {
      const at = `http://127.0.0.1:${own.httpPort}`;
      expect((await fetch(`${at}/live`)).status).toBe(200);
      expect((await fetch(`${at}/health`)).status).toBe(404);
    } finally {
      await own.shutdown.stop();
    }
  });

  it("drains NATS and closes the HTTP server on stop", async () => {
    await runtime.shutdown.stop();
    expect(runtime.nc.isClosed()).toBe(true);
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });
});
