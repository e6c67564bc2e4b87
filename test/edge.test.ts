/**
 * Edge drones with every process real: the registry, a coordinator, the aggregator and the
 * gateway over a real nats-server and Postgres, and a drone that reaches them only through the
 * gateway's HTTP drone API. The gateway is stopped and started again on the same port to play a
 * lost link; the drone is killed with SIGKILL in the middle of sending its outbox and restarted
 * on the same outbox directory.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";

interface Run {
  id: string;
  status: string;
  attempt: number;
  droneId: string | null;
  recordsOut: number;
}

interface Outbox {
  pending: number;
  lastSyncAt: string | null;
  lastError: string | null;
  rejected: number;
}

const ADMIN_KEY = "edge-test-admin-key-000000000000";
const DRONE_KEY = "edge-test-drone-key-000000000000";
const PAGES = 10;
const PER_PAGE = 20;

const items = (page: number) =>
  Array.from({ length: PER_PAGE }, (_, i) => ({
    t: new Date(Date.UTC(2025, 0, 1) + ((page - 1) * PER_PAGE + i) * 3_600_000).toISOString(),
    v: page * 1000 + i,
  }));

/** Sum of every value a full run stores: the checksum of a clean run. */
const FULL_SUM = Array.from({ length: PAGES }, (_, p) => items(p + 1))
  .flat()
  .reduce((sum, item) => sum + item.v, 0);

const profileYaml = (id: string, url: string) => `id: ${id}
name: ${id}
schedule: { every: 1h }
pool: edge
source:
  url: ${url}
  retry: { attempts: 1 }
  pagination: { type: page, param: page, start: 1 }
records:
  path: "$.items[*]"
  time: { field: t, format: iso }
  measures: { v: v }
`;

describe("edge drones over HTTP", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let database: TestDatabase;
  let sql: postgres.Sql;
  let source: HttpSource;
  let dir: string;
  let profilesDir: string;
  let gatewayPort: number;
  let gatewayUrl: string;
  let gateway: Launched | undefined;
  const services: Launched[] = [];
  const drones: Launched[] = [];
  /** How long each page of a profile's source waits before answering. */
  const pageDelay = new Map<string, (page: number) => number>();

  const logs = () =>
    [...services, ...(gateway ? [gateway] : []), ...drones]
      .map((p) => `--- ${p.name}\n${p.output().slice(-3000)}`)
      .join("\n");

  const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${gatewayUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.headers ?? {}) },
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const runOf = (profileId: string, predicate: (run: Run) => boolean, what: string, timeoutMs = 30_000) =>
    waitFor(
      `${what} (${profileId})`,
      async () =>
        (await api<{ items: Run[] }>(`/api/v1/runs?profile=${profileId}`)).body.items.find(predicate),
      timeoutMs,
      200,
    );
  const stored = async (profileId: string) => {
    const [row] = await sql<{ n: number; total: number | null }[]>`
      select count(*)::int as n, sum(o.value)::float8 as total
      from observations o join series s on s.id = o.series_id where s.profile_id = ${profileId}`;
    return row ?? { n: 0, total: null };
  };
  /** Record batch messages stored in RECORDS for a profile: one per batch, a resend adds none. */
  const batchMessages = async (profileId: string) => {
    const subject = `chartly.records.default.${profileId}`;
    return (await jsm.streams.info("RECORDS", { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
  };
  const pagesServed = (profileId: string) =>
    source.requests.filter((r) => r.parsed.pathname === `/${profileId}`).length;

  const startGateway = async () => {
    gateway = launch("gateway", "services/gateway/src/main.ts", {
      NATS_URL: nats.url,
      DATABASE_URL: database.url,
      HTTP_PORT: String(gatewayPort),
      AUTH_API_KEYS_FILE: join(dir, "keys.json"),
      DRONE_LEASE_SECRET: "edge-test-lease-secret-0123456789abcdef",
    });
    await waitFor(
      "the gateway to answer",
      async () => ((await api("/api/v1/profiles")).status === 200 ? true : undefined),
      30_000,
      200,
    );
  };

  const startEdgeDrone = (id: string, batchRecords: number) => {
    const drone = launch(id, "drone/src/main.ts", {
      CONTROL_PLANE: gatewayUrl,
      CONTROL_PLANE_API_KEY: DRONE_KEY,
      DRONE_ID: id,
      DRONE_POOL: "edge",
      DRONE_OUTBOX_DIR: join(dir, "outbox", id),
      DRONE_HEARTBEAT_MS: "500",
      DRONE_BATCH_RECORDS: String(batchRecords),
      DRONE_CAPACITY: "1",
      HTTP_PORT: "0",
      // The test source listens on 127.0.0.1.
      DRONE_ALLOW_NETWORKS: "127.0.0.1",
    });
    drones.push(drone);
    return drone;
  };

  /** The drone's own /health, found from the port it logged. */
  const droneHealth = async (drone: Launched): Promise<{ outbox: Outbox }> => {
    const port = /"port":(\d+)/.exec(drone.output())?.[1];
    if (!port) throw new Error(`${drone.name} has not logged its port yet`);
    return (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { outbox: Outbox };
  };

  const addProfile = async (id: string, delayMs: (page: number) => number) => {
    pageDelay.set(id, delayMs);
    await writeFile(join(profilesDir, `${id}.yaml`), profileYaml(id, `${source.url}/${id}`));
    await waitFor(`the registry to load ${id}`, async () =>
      (await api(`/api/v1/profiles/${id}`)).status === 200 ? true : undefined,
    );
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    database = await createTestDatabase(inject("databaseAdminUrl"));
    sql = postgres(database.url, { max: 2, onnotice: () => {} });
    source = await startHttpSource();
    for (const id of ["edge-clean", "edge-offline", "edge-crash", "edge-drained"]) {
      source.set(`/${id}`, {
        respond: ({ parsed }) => {
          const page = Number(parsed.searchParams.get("page") ?? 1);
          return {
            body: { items: page <= PAGES ? items(page) : [] },
            delayMs: pageDelay.get(id)?.(page) ?? 0,
          };
        },
      });
    }
    dir = await mkdtemp(join(tmpdir(), "chartly-edge-"));
    profilesDir = join(dir, "profiles");
    await mkdir(profilesDir);
    await writeFile(
      join(dir, "keys.json"),
      JSON.stringify({
        keys: [
          { id: "admin", key: ADMIN_KEY, tenants: ["default"], roles: ["admin"] },
          { id: "edge", key: DRONE_KEY, tenants: ["default"], roles: ["drone"] },
        ],
      }),
    );
    gatewayPort = await freePort();
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const common = { NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: "0" };
    services.push(
      launch("registry", "services/registry/src/main.ts", { ...common, PROFILES_DIR: profilesDir }),
      launch("aggregator", "services/aggregator/src/main.ts", common),
      launch("coordinator", "services/coordinator/src/main.ts", {
        ...common,
        TICK_MS: "200",
        PROFILE_REFRESH_MS: "1000",
        // Longer than any outage played here: the drone is offline, not lost.
        DRONE_LIVENESS_MS: "60000",
      }),
    );
    try {
      await startGateway();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${logs()}`);
    }
  }, 90_000);

  afterEach(async () => {
    await Promise.all(drones.splice(0).map((d) => d.stop("SIGTERM")));
  }, 30_000);

  afterAll(async () => {
    await Promise.all([...services, ...(gateway ? [gateway] : [])].map((p) => p.stop()));
    await nc?.close();
    await sql?.end();
    await source?.close();
    await database?.drop();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("runs a job through the gateway's drone API and the observations are stored", async () => {
    startEdgeDrone("edge-clean-drone", 50);
    await addProfile("edge-clean", () => 0);
    const run = await runOf("edge-clean", (r) => r.status === "succeeded", "the run to succeed");
    expect(run, logs()).toMatchObject({
      droneId: "edge-clean-drone",
      attempt: 1,
      recordsOut: PAGES * PER_PAGE,
    });
    const points = await waitFor("every point to be stored", async () => {
      const row = await stored("edge-clean");
      return row.n === PAGES * PER_PAGE ? row : undefined;
    });
    expect(points.total).toBe(FULL_SUM);
    expect(await batchMessages("edge-clean")).toBe((PAGES * PER_PAGE) / 50);

    const { body: drone } = await api<{ status: string; pool: string; edge?: { outbox: Outbox } }>(
      "/api/v1/drones/edge-clean-drone",
    );
    expect(drone).toMatchObject({ status: "alive", pool: "edge", edge: { outbox: { rejected: 0 } } });
  });

  it("follows a drain with its next heartbeat, and takes jobs again once resumed", async () => {
    startEdgeDrone("edge-drain-drone", 50);
    const drone = async () =>
      (await api<{ status: string; state: string }>("/api/v1/drones/edge-drain-drone")).body;
    await waitFor("the drone to report", async () => ((await drone()).status === "alive" ? true : undefined));
    const post = (path: string) => api(path, { method: "POST" });
    expect((await post("/api/v1/drones/edge-drain-drone/drain")).status).toBe(200);
    await waitFor("the drone to be draining", async () =>
      (await drone()).state === "draining" ? true : undefined,
    );

    await addProfile("edge-drained", () => 0);
    const queued = await runOf("edge-drained", (r) => r.status === "queued", "the run to be queued");
    // Three heartbeats later it still holds back.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await runOf("edge-drained", () => true, "the run")).status).toBe("queued");

    expect((await post("/api/v1/drones/edge-drain-drone/resume")).status).toBe(200);
    const done = await runOf(
      "edge-drained",
      (r) => r.id === queued.id && r.status === "succeeded",
      "the run",
    );
    expect(done.droneId).toBe("edge-drain-drone");
    expect((await drone()).state).toBe("active");
  }, 60_000);

  it("keeps collecting into its outbox while the gateway is away and syncs everything when it returns", async () => {
    const drone = startEdgeDrone("edge-offline-drone", 10);
    await addProfile("edge-offline", () => 400);
    await runOf("edge-offline", (r) => r.status === "running", "the run to start");
    await waitFor("the second page", async () => (pagesServed("edge-offline") >= 2 ? true : undefined));
    await gateway?.stop("SIGTERM");

    // The source is read to its end with no control plane to talk to.
    await waitFor(
      "the last page to be read",
      async () => (pagesServed("edge-offline") > PAGES ? true : undefined),
      30_000,
    );
    let lastSeen: Outbox | undefined;
    const offline = await waitFor("the outbox to hold the run's outcome", async () => {
      const { outbox } = await droneHealth(drone);
      lastSeen = outbox;
      return outbox.lastError && outbox.pending > 0 ? outbox : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; the outbox last showed ${JSON.stringify(lastSeen)}\n${logs()}`);
    });
    expect(offline.pending).toBeGreaterThan(PAGES);
    expect(offline.lastError).toContain("did not answer");

    await startGateway();
    const run = await runOf("edge-offline", (r) => r.status === "succeeded", "the run to succeed");
    expect(run, logs()).toMatchObject({ droneId: "edge-offline-drone", attempt: 1 });
    const points = await waitFor("every point to be stored", async () => {
      const row = await stored("edge-offline");
      return row.n === PAGES * PER_PAGE ? row : undefined;
    });
    expect(points.total).toBe(FULL_SUM);
    const synced = await waitFor("the outbox to empty", async () => {
      const { outbox } = await droneHealth(drone);
      return outbox.pending === 0 ? outbox : undefined;
    });
    expect(synced).toMatchObject({ lastError: null, rejected: 0 });
    expect(synced.lastSyncAt).not.toBeNull();
  }, 90_000);

  it("loses and duplicates nothing when killed with SIGKILL while syncing, then restarted", async () => {
    const first = startEdgeDrone("edge-crash-drone", 1);
    // The first page is slow, so the gateway is gone before any batch is made.
    await addProfile("edge-crash", (page) => (page === 1 ? 3_000 : 10));
    await runOf("edge-crash", (r) => r.status === "running", "the run to start");
    await gateway?.stop("SIGTERM");
    expect(await batchMessages("edge-crash")).toBe(0);
    await waitFor(
      "the last page to be read",
      async () => (pagesServed("edge-crash") > PAGES ? true : undefined),
      30_000,
    );
    // One batch per record, so sending the outbox takes a while.
    const before = await waitFor("every batch to be in the outbox", async () => {
      const { outbox } = await droneHealth(first);
      return outbox.pending >= PAGES * PER_PAGE ? outbox.pending : undefined;
    });

    await startGateway();
    await waitFor(
      "the sync to be under way",
      async () => {
        const { outbox } = await droneHealth(first);
        return outbox.pending < before ? true : undefined;
      },
      30_000,
      20,
    );
    await first.stop("SIGKILL");
    expect(await batchMessages("edge-crash")).toBeLessThan(PAGES * PER_PAGE);

    const second = startEdgeDrone("edge-crash-drone", 1);
    const run = await runOf("edge-crash", (r) => r.status === "succeeded", "the run to succeed", 60_000);
    expect(run, logs()).toMatchObject({
      droneId: "edge-crash-drone",
      attempt: 1,
      recordsOut: PAGES * PER_PAGE,
    });
    const points = await waitFor("every point to be stored", async () => {
      const row = await stored("edge-crash");
      return row.n === PAGES * PER_PAGE ? row : undefined;
    });
    // The same points and the same checksum as a clean run, and one message per batch.
    expect(points.total).toBe(FULL_SUM);
    expect(await batchMessages("edge-crash")).toBe(PAGES * PER_PAGE);
    expect(pagesServed("edge-crash")).toBe(PAGES + 1);
    await waitFor("the outbox to empty", async () =>
      (await droneHealth(second)).outbox.pending === 0 ? true : undefined,
    );
  }, 120_000);
});
