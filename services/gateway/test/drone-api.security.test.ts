import { type Job, ProfileSchema, type RecordBatch, type RunEvent } from "@chartly/contracts";
import { rpcClient } from "@chartly/platform";
import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { DroneBroker } from "../src/drones/broker.js";
import { LeaseSigner } from "../src/drones/lease-token.js";
import type { DroneLeaseResponse } from "../src/routes/drone_leases.js";
import { createApp } from "../src/service.js";
import { as, KEYS, silent, startWorld, type World } from "./harness.js";

const SECRET = "drone-api-test-lease-secret-0123456789";

const job = (runId: string, pool: string): Job => ({
  runId,
  tenant: "acme",
  profileId: "gdp",
  profileVersion: 1,
  slot: "2026-01-01T00:00:00.000Z",
  trigger: "schedule",
  spec: ProfileSchema.parse({
    id: "gdp",
    name: "GDP",
    schedule: { every: "1h" },
    pool,
    source: { url: "http://127.0.0.1:9/gdp" },
    records: { path: "$[*]", time: { field: "t", format: "iso" }, measures: { v: "v" } },
  }),
});

const batchOf = (runId: string, tenant = "acme"): RecordBatch => ({
  tenant,
  profileId: "gdp",
  runId,
  batch: 0,
  units: {},
  records: [{ key: "k1", time: "2026-01-01T00:00:00Z", dims: {}, measures: { v: 1 } }],
});

describe("the drone API", () => {
  let world: World;
  /** Two gateway replicas sharing the lease secret and nothing else. */
  let replicaA: App;
  let replicaB: App;

  const replica = async (secret: string) => {
    const config = loadConfig({
      DATABASE_URL: world.database.url,
      AUTH_API_KEYS_FILE: world.keysFile,
      DEFAULT_TENANT: "acme",
      RATE_LIMIT_ENABLED: "false",
      DRONE_LEASE_SECRET: secret,
    });
    const broker = await DroneBroker.open(world.nc, new LeaseSigner(secret));
    const io = {
      sql: world.sql,
      rpc: rpcClient(world.nc, 1_000),
      js: () => jetstream(world.nc),
      logger: silent,
      droneBroker: () => broker,
    };
    return createApp(config, io, async () => ({
      service: "gateway",
      instance: "g",
      status: "ok" as const,
      version: "test",
      uptimeSeconds: 1,
      checks: {},
    }));
  };

  const call = (app: App, path: string, body: unknown, key: string = KEYS.drone) =>
    app.request(`/api/v1/drone${path}`, as(key, { body }));

  const queue = (runId: string, pool: string) =>
    jetstream(world.nc).publish(`chartly.jobs.${pool}`, JSON.stringify(job(runId, pool)), { msgID: runId });
  /** Leases a job of `pool` through replica A. */
  const lease = async (pool: string, leaseMs = 30_000, waitMs = 2_000): Promise<DroneLeaseResponse> => {
    const response = await call(replicaA, "/leases", { droneId: "edge-1", pool, waitMs, leaseMs });
    expect(response.status).toBe(200);
    return (await response.json()) as DroneLeaseResponse;
  };
  /** Queues a job on `pool` and leases it through replica A. */
  const leased = async (runId: string, pool: string): Promise<DroneLeaseResponse> => {
    await queue(runId, pool);
    return lease(pool);
  };

  beforeAll(async () => {
    world = await startWorld();
    replicaA = await replica(SECRET);
    replicaB = await replica(SECRET);
  });
  afterAll(() => world.close());

  it("leases a job through one replica and completes it through another", async () => {
    const granted = await leased("run-complete", "pool-a");
    expect(granted).toMatchObject({
      job: { runId: "run-complete" },
      deliveryCount: 1,
      attempt: 1,
      leaseMs: 30_000,
    });
    expect((await call(replicaB, "/leases/complete", { lease: granted.lease })).status).toBe(204);
    const jsm = await jetstream(world.nc).jetstreamManager();
    const subject = "chartly.jobs.pool-a";
    const left =
      (await jsm.streams.info("JOBS", { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    expect(left).toBe(0);
  });

  it("refuses to act on a lease whose job lapsed and went out again, and lets the newer one finish it", async () => {
    const pool = "pool-lapse";
    await queue("run-lapse", pool);
    const first = await lease(pool, 3_000, 6_000);
    // Not renewed: JetStream hands the job out again once the 3 s lease is over.
    const second = await lease(pool, 3_000, 6_000);
    expect([first.deliveryCount, second.deliveryCount]).toEqual([1, 2]);

    for (const action of ["renew", "complete", "release"]) {
      const response = await call(replicaB, `/leases/${action}`, { lease: first.lease });
      expect({ action, status: response.status }).toEqual({ action, status: 409 });
      expect(((await response.json()) as { detail: string }).detail).toContain("delivered again");
    }
    // The stale lease took nothing from the newer one: it renews and completes.
    expect((await call(replicaB, "/leases/renew", { lease: second.lease })).status).toBe(204);
    expect((await call(replicaA, "/leases/complete", { lease: second.lease })).status).toBe(204);
    const jsm = await jetstream(world.nc).jetstreamManager();
    const subject = `chartly.jobs.${pool}`;
    expect(
      (await jsm.streams.info("JOBS", { subjects_filter: subject })).state.subjects?.[subject] ?? 0,
    ).toBe(0);
  });

  it("answers 204 when no job of the pool comes within waitMs", async () => {
    const response = await call(replicaA, "/leases", {
      droneId: "edge-1",
      pool: "empty-pool",
      waitMs: 1_000,
    });
    expect(response.status).toBe(204);
  });

  it("refuses a lease that was altered or signed with another secret", async () => {
    const granted = await leased("run-forged", "pool-b");
    const [payload = "", mac = ""] = granted.lease.split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const altered = `${Buffer.from(JSON.stringify({ ...claims, tenant: "globex" })).toString("base64url")}.${mac}`;
    const foreign = new LeaseSigner("another-secret-of-at-least-32-characters").sign(
      claims as unknown as Parameters<LeaseSigner["sign"]>[0],
    );
    for (const lease of [altered, foreign, `${granted.lease}x`]) {
      const response = await call(replicaB, "/batches", { lease, batch: batchOf("run-forged", "globex") });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { pointer: string }[] };
      expect(problem.errors[0]?.pointer).toBe("/lease");
    }
    await call(replicaA, "/leases/release", { lease: granted.lease, terminate: true });
  });

  it("refuses a batch or an event that is not the leased job's, naming the field", async () => {
    const granted = await leased("run-mismatch", "pool-c");
    const batch = await call(replicaA, "/batches", {
      lease: granted.lease,
      batch: batchOf("run-mismatch", "globex"),
    });
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toEqual([
      "/batch/tenant",
    ]);
    const event: RunEvent = {
      type: "run.started",
      runId: "run-mismatch",
      tenant: "acme",
      profileId: "gdp",
      droneId: "edge-1",
      attempt: 3,
      at: new Date().toISOString(),
    };
    const started = await call(replicaA, "/events", { lease: granted.lease, event });
    expect(started.status).toBe(400);
    expect(
      ((await started.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer),
    ).toEqual(["/event/attempt"]);
    const dead: RunEvent = { ...event, type: "run.dead", attempt: 1, error: { code: "x", message: "y" } };
    expect((await call(replicaA, "/events", { lease: granted.lease, event: dead })).status).toBe(400);
    await call(replicaA, "/leases/release", { lease: granted.lease, terminate: true });
  });

  it("stores a batch sent twice once, under the run's attempt", async () => {
    const granted = await leased("run-twice", "pool-d");
    const first = await call(replicaA, "/batches", { lease: granted.lease, batch: batchOf("run-twice") });
    const again = await call(replicaB, "/batches", { lease: granted.lease, batch: batchOf("run-twice") });
    expect([first.status, again.status]).toEqual([202, 202]);
    expect([await first.json(), await again.json()]).toEqual([{ duplicate: false }, { duplicate: true }]);
    const jsm = await jetstream(world.nc).jetstreamManager();
    const stored = await jsm.streams.getMessage("RECORDS", { last_by_subj: "chartly.records.acme.gdp" });
    expect(stored?.header.get("Nats-Msg-Id")).toBe("run-twice:1:0");
    await call(replicaA, "/leases/complete", { lease: granted.lease });
  });

  it("refuses a heartbeat whose drone id could not be a key of the fleet's bucket, naming the field", async () => {
    const beat = {
      version: "1",
      pool: "default",
      host: "h",
      capacity: 1,
      startedAt: new Date().toISOString(),
      seenAt: new Date().toISOString(),
      state: "active",
      currentJobs: [],
      counters: { succeeded: 0, failed: 0 },
    };
    for (const id of ["edge 1", "edge>*", ".edge", ""]) {
      const response = await replicaA.request("/api/v1/drone/heartbeat", {
        ...as(KEYS.drone, { body: { ...beat, id } }),
        method: "PUT",
      });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { errors: { pointer: string }[] };
      expect(problem.errors.map((e) => e.pointer)).toContain("/id");
    }
    const fine = await replicaA.request("/api/v1/drone/heartbeat", {
      ...as(KEYS.drone, { body: { ...beat, id: "edge-ok.1" } }),
      method: "PUT",
    });
    expect(fine.status).toBe(200);
    const leave = await replicaA.request("/api/v1/drone/heartbeat/.edge", {
      ...as(KEYS.drone),
      method: "DELETE",
    });
    expect(leave.status).toBe(400);
  });

  it("is off, with a clear 503, on a gateway without DRONE_LEASE_SECRET", async () => {
    const app = await world.app({ RATE_LIMIT_ENABLED: "false" });
    const response = await call(app, "/leases", { droneId: "edge-1", pool: "default" });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { detail: string }).detail).toContain("DRONE_LEASE_SECRET");
  });

  it("is refused to every role but drone (and admin)", async () => {
    for (const key of [KEYS.reader, KEYS.operator, KEYS.ingest]) {
      expect((await call(replicaA, "/leases", { droneId: "edge-1", pool: "default" }, key)).status).toBe(403);
    }
  });
});
