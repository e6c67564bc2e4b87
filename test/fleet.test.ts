/**
 * Fleet coordination with every process real: two coordinators, the registry, the aggregator,
 * the gateway and drones started and killed as each test needs, over a real nats-server and
 * Postgres, with profiles pointed at a local HTTP source. Leases, liveness windows and backoffs
 * are short so the suite stays fast; the leader lease keeps its default (10 s), so the failover
 * test measures the real bound.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HealthReport, type RunEvent, RunEventSchema } from "@chartly/contracts";
import { rpcClient } from "@chartly/platform";
import {
  createTestDatabase,
  freePort,
  type HttpSource,
  type Launched,
  launch,
  type NatsServer,
  startHttpSource,
  startNatsServer,
  type TestDatabase,
  waitFor,
} from "@chartly/testkit";
import { type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";

interface Run {
  id: string;
  profileId: string;
  status: string;
  trigger: string;
  attempt: number;
  maxAttempts: number;
  droneId: string | null;
  slot: string;
  startedAt: string | null;
  recordsOut: number;
  errorCode: string | null;
  errorMessage: string | null;
}

interface Drone {
  id: string;
  pool: string;
  status: "alive" | "lost";
  state: "active" | "draining";
  currentJobs: string[];
  counters: { succeeded: number; failed: number };
  labels?: Record<string, string>;
}

const items = (page: number) =>
  Array.from({ length: 20 }, (_, i) => ({
    t: new Date(Date.UTC(2025, 0, 1) + ((page - 1) * 20 + i) * 3_600_000).toISOString(),
    v: page * 100 + i,
  }));

const profileYaml = (id: string, url: string, schedule: string, extra = "", top = "") => `id: ${id}
name: ${id}
schedule: ${schedule}
${top}
source:
  url: ${url}
  retry: { attempts: 1 }
${extra}
records:
  path: "$.items[*]"
  time: { field: t, format: iso }
  measures: { v: v }
`;

const SYSTEM = { tenant: "", principal: "system:test", requestId: "" };
const LIVENESS_MS = 3_000;
const BACKOFF_MS = 400;
/**
 * Three liveness windows, so the coordinator's sweep (every second here) marks a lost drone's run
 * before its job is redelivered even on a busy machine; with only twice the window the rescue
 * drone sometimes started the next attempt first and no `drone_lost` event was written.
 */
const DRONE_LEASE_MS = 9_000;

describe("the fleet", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let database: TestDatabase;
  let sql: postgres.Sql;
  let source: HttpSource;
  let profilesDir: string;
  let gateway: string;
  const services: Launched[] = [];
  /** Drones started by the running test; stopped after it. */
  const drones: Launched[] = [];
  const coordinators = new Map<string, Launched>();

  const api = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${gateway}${path}`, init);
    return { status: response.status, body: (await response.json()) as T };
  };
  const post = <T>(path: string, body?: unknown) =>
    api<T>(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body ?? {}),
    });
  const runsOf = async (profileId: string) =>
    (await api<{ items: Run[] }>(`/api/v1/runs?profile=${profileId}&limit=1000`)).body.items;
  const runOf = async (
    profileId: string,
    predicate: (run: Run) => boolean,
    what: string,
    timeoutMs = 30_000,
  ) => waitFor(`${what} (${profileId})`, async () => (await runsOf(profileId)).find(predicate), timeoutMs);
  const droneOf = async (id: string) => {
    const { status, body } = await api<Drone>(`/api/v1/drones/${id}`);
    return status === 200 ? body : undefined;
  };
  const logs = () =>
    [...services, ...drones, ...coordinators.values()]
      .map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`)
      .join("\n");

  const eventsOf = async (runId: string): Promise<RunEvent[]> => {
    const subject = `chartly.events.run.${runId}`;
    const count =
      (await jsm.streams.info("EVENTS", { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    const found: RunEvent[] = [];
    if (count === 0) return found;
    const consumer = await jetstream(nc).consumers.get("EVENTS", { filter_subjects: subject });
    for await (const msg of await consumer.fetch({ max_messages: count, expires: 5_000 })) {
      found.push(RunEventSchema.parse(msg.json()));
    }
    return found;
  };

  /** Writes a profile file and waits until the registry serves it. */
  const addProfile = async (id: string, path: string, schedule: string, extra = "", top = "") => {
    await writeFile(
      join(profilesDir, `${id}.yaml`),
      profileYaml(id, `${source.url}${path}`, schedule, extra, top),
    );
    await waitFor(`the registry to load ${id}`, async () =>
      (await api(`/api/v1/profiles/${id}`)).status === 200 ? true : undefined,
    );
  };

  const startCoordinator = (instance: string) => {
    const coordinator = launch(instance, "services/coordinator/src/main.ts", {
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      HTTP_PORT: "0",
      INSTANCE_ID: instance,
      TICK_MS: "200",
      PROFILE_REFRESH_MS: "1000",
      DRONE_LIVENESS_MS: String(LIVENESS_MS),
      RETRY_BACKOFF_MS: String(BACKOFF_MS),
      RETRY_BACKOFF_MAX_MS: "5000",
    });
    coordinators.set(instance, coordinator);
    return coordinator;
  };

  /** Starts a drone and waits for its first heartbeat. */
  const startDrone = async (id: string, capacity = 2, env: Record<string, string> = {}) => {
    const drone = launch(id, "drone/src/main.ts", {
      ...env,
      NATS_URL: nats.url,
      HTTP_PORT: "0",
      DRONE_ID: id,
      DRONE_CAPACITY: String(capacity),
      DRONE_LEASE_MS: String(DRONE_LEASE_MS),
      DRONE_HEARTBEAT_MS: "500",
      // A batch per page, so a job killed midway has published part of its records.
      DRONE_BATCH_RECORDS: "20",
      DRONE_LABELS: "zone=test",
      // The test sources listen on 127.0.0.1.
      DRONE_ALLOW_NETWORKS: "127.0.0.1",
    });
    drones.push(drone);
    await waitFor(`drone ${id} to report`, async () =>
      (await droneOf(id))?.status === "alive" ? true : undefined,
    );
    return drone;
  };

  const leaderKv = async () => (await new Kvm(nc).open("chartly_leader")).get("leader");
  const leaderNow = async () => {
    const entry = await leaderKv();
    return entry?.operation === "PUT" ? (entry.json<{ instance: string }>().instance as string) : undefined;
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    database = await createTestDatabase(inject("databaseAdminUrl"));
    sql = postgres(database.url, { max: 2, onnotice: () => {} });
    let flakyHits = 0;
    source = await startHttpSource({
      "/fail": { status: 500, body: { error: "upstream down" } },
      "/flaky": {
        respond: () =>
          ++flakyHits <= 2 ? { status: 503, body: { error: "busy" } } : { body: { items: items(1) } },
      },
      "/fast": { body: { items: items(1) } },
      "/tick": { body: { items: items(1) } },
      "/slow": { body: { items: items(1) }, delayMs: 2_500 },
      "/pages": {
        respond: ({ parsed }) => {
          const page = Number(parsed.searchParams.get("page") ?? 1);
          return { body: { items: page <= 5 ? items(page) : [] }, delayMs: 600 };
        },
      },
    });
    profilesDir = await mkdtemp(join(tmpdir(), "chartly-fleet-profiles-"));
    const port = await freePort();
    gateway = `http://127.0.0.1:${port}`;
    const common = { NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: "0" };
    services.push(
      launch("registry", "services/registry/src/main.ts", { ...common, PROFILES_DIR: profilesDir }),
      launch("aggregator", "services/aggregator/src/main.ts", common),
      launch("gateway", "services/gateway/src/main.ts", {
        ...common,
        HTTP_PORT: String(port),
        AUTH_REQUIRED: "false",
      }),
    );
    startCoordinator("coordinator-a");
    startCoordinator("coordinator-b");
    try {
      await waitFor(
        "the gateway, the registry and a coordinator leader",
        async () => {
          const profiles = await api("/api/v1/profiles");
          return profiles.status === 200 && (await leaderNow()) ? true : undefined;
        },
        60_000,
        250,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${logs()}`);
    }
  }, 90_000);

  // Drones finish what they hold, so no job of one test is left to another's drones.
  afterEach(async () => {
    await Promise.all(drones.splice(0).map((d) => d.stop("SIGTERM")));
  }, 30_000);

  afterAll(async () => {
    await Promise.all([...services, ...coordinators.values()].map((p) => p.stop()));
    await nc?.close();
    await sql?.end();
    await source?.close();
    await database?.drop();
    await nats?.stop();
    if (profilesDir) await rm(profilesDir, { recursive: true, force: true });
  }, 60_000);

  it("retries a failing source with backoff and declares the run dead after maxAttempts", async () => {
    await startDrone("retry-drone");
    await addProfile("always-fails", "/fail", "{ every: 1h, maxAttempts: 3 }");
    const dead = await runOf("always-fails", (r) => r.status === "dead", "the run to be dead");
    expect(dead, logs()).toMatchObject({ attempt: 3, maxAttempts: 3, errorCode: "source_http_error" });
    expect(dead.errorMessage).toContain("upstream down");
    const hits = source.requests.filter((r) => r.parsed.pathname === "/fail").map((r) => r.hit);
    expect(hits).toEqual([1, 2, 3]);

    const events = await eventsOf(dead.id);
    expect(events.map((e) => `${e.type}:${e.attempt}`)).toEqual([
      "run.queued:1",
      "run.started:1",
      "run.finished:1",
      "run.retrying:1",
      "run.queued:2",
      "run.started:2",
      "run.finished:2",
      "run.retrying:2",
      "run.queued:3",
      "run.started:3",
      "run.finished:3",
      "run.dead:3",
    ]);
    // The wait before each next attempt doubles.
    const waits = events
      .filter((e) => e.type === "run.retrying")
      .map((e) => (e.type === "run.retrying" ? Date.parse(e.retryAt) - Date.parse(e.at) : 0));
    expect(waits[0]).toBeGreaterThanOrEqual(BACKOFF_MS - 50);
    expect(waits[1]).toBeGreaterThanOrEqual(2 * BACKOFF_MS - 50);
    const started = events.filter((e) => e.type === "run.started").map((e) => Date.parse(e.at));
    expect((started[1] ?? 0) - (started[0] ?? 0)).toBeGreaterThanOrEqual(BACKOFF_MS);
    expect((started[2] ?? 0) - (started[1] ?? 0)).toBeGreaterThanOrEqual(2 * BACKOFF_MS);
  });

  it("succeeds on the third attempt when the source fails twice", async () => {
    await startDrone("flaky-drone");
    await addProfile("flaky", "/flaky", "{ every: 1h }");
    const run = await runOf("flaky", (r) => ["succeeded", "dead"].includes(r.status), "the run to end");
    expect(run, logs()).toMatchObject({ status: "succeeded", attempt: 3, maxAttempts: 3, recordsOut: 20 });
  });

  it("gives the run of a drone killed with SIGKILL mid-job to another drone once the lease expires", async () => {
    const doomed = await startDrone("doomed-drone");
    await addProfile(
      "paged",
      "/pages",
      "{ every: 1h }",
      "  pagination: { type: page, param: page, start: 1 }",
    );
    await waitFor("the second page to be asked for", async () =>
      source.requests.some((r) => r.parsed.pathname === "/pages" && r.parsed.searchParams.get("page") === "2")
        ? true
        : undefined,
    );
    const running = await runOf("paged", (r) => r.status === "running", "the run to start");
    expect(running).toMatchObject({ droneId: "doomed-drone", attempt: 1 });
    await doomed.stop("SIGKILL");
    await startDrone("rescue-drone");

    const done = await runOf("paged", (r) => r.status === "succeeded", "the run to finish elsewhere");
    expect(done, logs()).toMatchObject({ droneId: "rescue-drone", attempt: 2, recordsOut: 100 });
    expect((await droneOf("doomed-drone"))?.status).toBe("lost");
    const lost = (await eventsOf(done.id)).find((e) => e.type === "run.queued" && e.reason === "drone_lost");
    expect(lost).toMatchObject({ attempt: 2, droneId: "doomed-drone" });
    // Every point once: the partial first attempt and the full second one wrote the same keys.
    const stored = await waitFor("the points to be stored", async () => {
      const [row] = await sql<{ n: number; total: number }[]>`
        select count(*)::int as n, sum(o.value)::float8 as total
        from observations o join series s on s.id = o.series_id where s.profile_id = 'paged'`;
      return row?.n === 100 ? row : undefined;
    });
    let expected = 0;
    for (let page = 1; page <= 5; page++) for (const item of items(page)) expected += item.v;
    expect(stored.total).toBe(expected);
  });

  it("runs a profile that requires pool eu on the eu drone only", async () => {
    await startDrone("default-pool-drone", 4);
    await startDrone("eu-pool-drone", 4, { DRONE_POOL: "eu" });
    await addProfile("eu-only", "/fast", "{ every: 1h }", "", "pool: eu");
    await runOf("eu-only", (r) => r.status === "succeeded", "the scheduled run");
    for (let i = 0; i < 3; i++) expect((await post("/api/v1/profiles/eu-only/run")).status).toBe(202);
    const runs = await waitFor("four finished runs", async () => {
      const all = await runsOf("eu-only");
      return all.length === 4 && all.every((r) => r.status === "succeeded") ? all : undefined;
    });
    expect(runs.map((r) => r.droneId)).toEqual(runs.map(() => "eu-pool-drone"));
    expect((await droneOf("default-pool-drone"))?.counters.succeeded).toBe(0);
    expect((await droneOf("eu-pool-drone"))?.pool).toBe("eu");
  });

  it("drains a drone: it finishes the current job and takes no new ones", async () => {
    await startDrone("drained-drone", 2);
    await addProfile("slow", "/slow", "{ every: 1h }");
    const running = await runOf("slow", (r) => r.status === "running", "the slow run to start");
    expect(running.droneId).toBe("drained-drone");

    const { status, body: drained } = await post<Drone>("/api/v1/drones/drained-drone/drain");
    const drainedAt = Date.now();
    expect(status).toBe(200);
    expect(drained.state).toBe("draining");
    expect(drained.currentJobs).toContain(running.id);
    await startDrone("fresh-drone");
    const { status: queued, body: manual } = await post<Run>("/api/v1/profiles/slow/run");
    expect(queued).toBe(202);

    const first = await runOf(
      "slow",
      (r) => r.id === running.id && r.status === "succeeded",
      "the first run",
    );
    const second = await runOf(
      "slow",
      (r) => r.id === manual.id && r.status === "succeeded",
      "the manual run",
    );
    expect(first.droneId).toBe("drained-drone");
    expect(second.droneId).toBe("fresh-drone");
    const after = await waitFor("the drained drone to be idle", async () => {
      const drone = await droneOf("drained-drone");
      return drone?.currentJobs.length === 0 ? drone : undefined;
    });
    expect(after).toMatchObject({ status: "alive", state: "draining", counters: { failed: 0 } });
    expect(after.labels).toEqual({ zone: "test" });
    const { body: all } = await api<{ items: Run[] }>("/api/v1/runs?limit=1000");
    const startedThere = all.items.filter((r) => r.droneId === "drained-drone" && r.startedAt);
    expect(startedThere.every((r) => Date.parse(r.startedAt as string) < drainedAt)).toBe(true);
    expect(startedThere.length).toBe(after.counters.succeeded);
  });

  it("keeps a drone drained through its restart until it is resumed", async () => {
    const first = await startDrone("sticky-drone");
    expect((await post<Drone>("/api/v1/drones/sticky-drone/drain")).body.state).toBe("draining");
    await first.stop("SIGTERM");
    drones.splice(drones.indexOf(first), 1);
    await startDrone("sticky-drone");
    expect((await droneOf("sticky-drone"))?.state).toBe("draining");

    await addProfile("sticky", "/fast", "{ every: 1h }");
    const queued = await runOf("sticky", (r) => r.status === "queued", "the run to be queued");
    // Two heartbeats later the drone still holds back.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await runsOf("sticky")).map((r) => r.status)).toEqual(["queued"]);

    const { body: resumed } = await post<Drone>("/api/v1/drones/sticky-drone/resume");
    expect(resumed.state).toBe("active");
    const done = await runOf("sticky", (r) => r.id === queued.id && r.status === "succeeded", "the run");
    expect(done.droneId).toBe("sticky-drone");
  });

  it("stops scheduling a paused profile and starts again on resume", async () => {
    await startDrone("pause-drone", 4);
    await addProfile("ticking", "/fast", "{ every: 1s }");
    await addProfile("pausable", "/fast", "{ every: 1s }");
    await runOf("pausable", () => true, "a first run");
    const count = async (profileId: string) => (await runsOf(profileId)).length;

    const { status, body: paused } = await post<{ paused: boolean; nextSlot: string | null }>(
      "/api/v1/profiles/pausable/pause",
    );
    expect(status).toBe(200);
    expect(paused).toMatchObject({ paused: true, nextSlot: null });
    // A tick that began before the pause may still queue one slot; after the next slot of
    // `ticking`, a whole tick has seen the pause.
    const ticking = await count("ticking");
    await waitFor("a tick after the pause", async () =>
      (await count("ticking")) > ticking ? true : undefined,
    );
    const whilePaused = await count("pausable");
    const before = await count("ticking");
    await waitFor("three more slots of the other profile", async () =>
      (await count("ticking")) >= before + 3 ? true : undefined,
    );
    expect(await count("pausable")).toBe(whilePaused);

    const { body: resumed } = await post<{ paused: boolean; nextSlot: string | null }>(
      "/api/v1/profiles/pausable/resume",
    );
    expect(resumed.paused).toBe(false);
    expect(resumed.nextSlot).not.toBeNull();
    await waitFor("a run after the resume", async () =>
      (await count("pausable")) > whilePaused ? true : undefined,
    );
    for (const id of ["ticking", "pausable"]) await post(`/api/v1/profiles/${id}/pause`);
  });

  it("follows a schedule override until it is removed", async () => {
    await startDrone("override-drone", 4);
    await addProfile("overridden", "/fast", "{ every: 1h }");
    const hourly = await runOf("overridden", () => true, "the profile's own slot");
    const cron = { cron: "*/2 * * * * *", timezone: "Europe/Paris", maxAttempts: 5 };
    const set = await api<{ effective: object; override: object; nextSlot: string }>(
      "/api/v1/profiles/overridden/schedule",
      { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(cron) },
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ override: cron, effective: cron });
    expect(Date.parse(set.body.nextSlot) % 2_000).toBe(0);
    const slots = await waitFor("three slots two seconds apart", async () => {
      const runs = (await runsOf("overridden")).filter((r) => r.id !== hourly.id);
      return runs.length >= 3 ? runs : undefined;
    });
    for (const run of slots) expect(run).toMatchObject({ trigger: "schedule", maxAttempts: 5 });
    expect(slots.map((r) => Date.parse(r.slot) % 2_000)).toEqual(slots.map(() => 0));

    const bad = await api<{ code: string }>("/api/v1/profiles/overridden/schedule", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ cron: "61 * * * *" }),
    });
    expect(bad.status).toBe(400);
    const cleared = await api<{ override: object | null; effective: object }>(
      "/api/v1/profiles/overridden/schedule",
      { method: "DELETE" },
    );
    expect(cleared.body).toMatchObject({ override: null, effective: { every: "1h" } });
    await post("/api/v1/profiles/overridden/pause");
  });

  it("hands scheduling to the other coordinator within 15 s of the leader's death, dispatching no slot twice", async () => {
    await startDrone("failover-drone", 4);
    await addProfile("every-2s", "/tick", "{ every: 2s }");
    await waitFor("two slots", async () => ((await runsOf("every-2s")).length >= 2 ? true : undefined));

    const leader = (await leaderNow()) as string;
    const follower = [...coordinators.keys()].find((name) => name !== leader) as string;
    const killedAt = Date.now();
    await coordinators.get(leader)?.stop("SIGKILL");
    const takenOver = await waitFor(
      "the follower to take the lease",
      async () => ((await leaderNow()) === follower ? Date.now() : undefined),
      20_000,
      50,
    );
    expect(takenOver - killedAt).toBeLessThan(15_000);
    const health = await rpcClient(nc).call<HealthReport>("coordinator", "health", {}, SYSTEM);
    expect(health).toMatchObject({ instance: follower, role: "leader", leader: follower, status: "ok" });

    const afterTakeover = (await runsOf("every-2s")).length;
    await waitFor("three slots under the new leader", async () =>
      (await runsOf("every-2s")).length >= afterTakeover + 3 ? true : undefined,
    );
    await post("/api/v1/profiles/every-2s/pause");
    const runs = await waitFor("every run to finish", async () => {
      const all = await runsOf("every-2s");
      return all.every((r) => r.status === "succeeded") ? all : undefined;
    });

    // One job per slot: each ran once, on its first attempt, and the source saw one request each.
    expect(runs.every((r) => r.attempt === 1)).toBe(true);
    expect(source.requests.filter((r) => r.parsed.pathname === "/tick")).toHaveLength(runs.length);
    const slots = runs.map((r) => Date.parse(r.slot)).sort((a, b) => a - b);
    expect(new Set(slots).size).toBe(slots.length);
    // Slots follow each other every 2 s, except those that began while no one led: of those,
    // the new leader ran the latest only (catch-up `latest`).
    const gaps = slots
      .slice(1)
      .map((slot, i) => ({ from: slots[i] as number, to: slot }))
      .filter((gap) => gap.to - gap.from !== 2_000);
    expect(gaps.length).toBeLessThanOrEqual(1);
    for (const { from, to } of gaps) {
      expect(from).toBeLessThanOrEqual(killedAt);
      expect(to).toBeGreaterThan(killedAt);
      expect(to).toBeLessThanOrEqual(takenOver);
    }

    // The restarted coordinator follows; the fleet and the pause are still there.
    startCoordinator(leader);
    await waitFor("the restarted coordinator to report", async () =>
      coordinators.get(leader)?.output().includes("coordinator ready") ? true : undefined,
    );
    expect(await leaderNow()).toBe(follower);
    const { body: schedule } = await api<{ paused: boolean }>("/api/v1/profiles/every-2s/schedule");
    expect(schedule.paused).toBe(true);
    expect((await droneOf("failover-drone"))?.status).toBe("alive");
  }, 60_000);
});
