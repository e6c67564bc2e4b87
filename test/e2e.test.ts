/**
 * The whole system as separate processes: five services and a drone over a real nats-server and
 * a real Postgres, a profile pointed at a local HTTP source, everything checked through the
 * gateway and the database.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const WORLDBANK = fileURLToPath(
  new URL("../drone/test/fixtures/worldbank-JPN-USA-NY.GDP.MKTP.CD-page1-of3.json", import.meta.url),
);

const profile = (id: string, url: string, extra = "") => `id: ${id}
name: ${id}
schedule: { every: 1h }
source:
  url: ${url}
  query: { format: json }
records:
  path: "$[1][*]"
  time: { field: date, format: yyyy }
  dims: { country: countryiso3code, indicator: indicator.id }
  measures:
    value: { field: value, unit: USD }
${extra}`;

/** API keys the gateway reads from its keys file: an admin of the profiles' tenant, a reader of another. */
const ADMIN_KEY = "e2e-admin-key-of-the-default-tenant";
const OTHER_TENANT_KEY = "e2e-reader-key-of-another-tenant-00";

interface Run {
  id: string;
  profileId: string;
  status: string;
  trigger: string;
  recordsOut: number;
  recordsStored: number;
  recordsUpdated: number;
  errorCode: string | null;
  errorMessage: string | null;
}

describe("the pipeline end to end", () => {
  let nats: NatsServer;
  let database: TestDatabase;
  let source: HttpSource;
  let profilesDir: string;
  let keysDir: string;
  let gateway: string;
  let sql: postgres.Sql;
  const processes: Launched[] = [];

  const api = async <T>(
    path: string,
    init?: RequestInit,
    key: string | null = ADMIN_KEY,
  ): Promise<{ status: number; body: T }> => {
    const headers = new Headers(init?.headers);
    if (key) headers.set("authorization", `Bearer ${key}`);
    const response = await fetch(`${gateway}${path}`, { ...init, headers });
    return { status: response.status, body: (await response.json()) as T };
  };
  const runsOf = async (profileId: string) =>
    (await api<{ items: Run[] }>(`/api/v1/runs?profile=${profileId}`)).body.items;
  const finishedRun = (profileId: string, trigger = "schedule") =>
    waitFor(
      `a finished ${trigger} run of ${profileId}`,
      async () =>
        (await runsOf(profileId)).find(
          // A failed attempt is retried after a backoff (30 s by default): `retrying` is its outcome here.
          (r) => r.trigger === trigger && ["succeeded", "partial", "retrying", "dead"].includes(r.status),
        ),
      30_000,
    );
  const logs = () => processes.map((p) => `--- ${p.name}\n${p.output().slice(-4000)}`).join("\n");

  beforeAll(async () => {
    nats = await startNatsServer();
    database = await createTestDatabase(inject("databaseAdminUrl"));
    sql = postgres(database.url, { max: 2, onnotice: () => {} });
    source = await startHttpSource({
      "/gdp": { file: WORLDBANK },
      "/broken": { status: 500, body: { error: "upstream exploded" } },
      "/html": { body: "<html><body>Maintenance</body></html>", headers: { "content-type": "text/html" } },
    });
    profilesDir = await mkdtemp(join(tmpdir(), "chartly-profiles-"));
    await writeFile(join(profilesDir, "gdp.yaml"), profile("gdp", `${source.url}/gdp`));
    await writeFile(join(profilesDir, "broken.yaml"), profile("broken", `${source.url}/broken`));
    await writeFile(join(profilesDir, "html.yaml"), profile("html", `${source.url}/html`));
    await writeFile(
      join(profilesDir, "invalid.yaml"),
      "id: invalid\nname: invalid\nschedule: { every: often }\nsource: { url: http://x }\nrecords: { time: { field: t }, measures: { v: v } }\n",
    );

    keysDir = await mkdtemp(join(tmpdir(), "chartly-keys-"));
    await writeFile(
      join(keysDir, "keys.json"),
      JSON.stringify({
        keys: [
          { id: "e2e-admin", key: ADMIN_KEY, tenants: ["default"], roles: ["admin"] },
          { id: "e2e-other", key: OTHER_TENANT_KEY, tenants: ["other"], roles: ["reader"] },
        ],
      }),
    );

    const port = await freePort();
    gateway = `http://127.0.0.1:${port}`;
    const common = { NATS_URL: nats.url, DATABASE_URL: database.url, HTTP_PORT: "0" };
    processes.push(
      launch("registry", "services/registry/src/main.ts", { ...common, PROFILES_DIR: profilesDir }),
      launch("coordinator", "services/coordinator/src/main.ts", common),
      launch("aggregator", "services/aggregator/src/main.ts", common),
      launch("reporter", "services/reporter/src/main.ts", common),
      launch("gateway", "services/gateway/src/main.ts", {
        ...common,
        HTTP_PORT: String(port),
        AUTH_API_KEYS_FILE: join(keysDir, "keys.json"),
      }),
      launch("drone", "drone/src/main.ts", {
        NATS_URL: nats.url,
        DRONE_ID: "e2e-drone",
        // The test source listens on 127.0.0.1.
        DRONE_ALLOW_NETWORKS: "127.0.0.1",
      }),
    );
    try {
      await waitFor(
        "the gateway to report every service healthy",
        async () => {
          const { body } = await api<{ status: string }>("/health");
          return body.status === "healthy" ? true : undefined;
        },
        60_000,
        250,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${logs()}`);
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await sql?.end();
    await source?.close();
    await database?.drop();
    await nats?.stop();
    if (profilesDir) await rm(profilesDir, { recursive: true, force: true });
    if (keysDir) await rm(keysDir, { recursive: true, force: true });
  }, 60_000);

  it("serves the valid profiles and reports the invalid file with its line", async () => {
    const { body } = await api<{ items: { id: string; version: number }[] }>("/api/v1/profiles");
    expect(body.items.map((p) => p.id).sort()).toEqual(["broken", "gdp", "html"]);
    const registryLog = processes.find((p) => p.name === "registry")?.output() ?? "";
    expect(registryLog).toContain("invalid.yaml:3:");
    expect(registryLog).toContain("every must be a duration");
  });

  it("runs a scheduled slot and stores every observation exactly once", async () => {
    const run = await finishedRun("gdp");
    expect(run, logs()).toMatchObject({ status: "succeeded", recordsOut: 49 });
    // The fixture has 50 yearly points for Japan, one of them null.
    const stored = await waitFor("the observations to be stored", async () => {
      const [row] = await sql<{ n: string }[]>`select count(*) as n from observations`;
      return Number(row?.n) === 49 ? 49 : undefined;
    });
    expect(stored).toBe(49);
    const { body: series } = await api<{ items: { id: number; dims: object; count: number }[] }>(
      "/api/v1/series?profile=gdp",
    );
    expect(series.items).toHaveLength(1);
    expect(series.items[0]).toMatchObject({
      dims: { country: "JPN", indicator: "NY.GDP.MKTP.CD" },
      count: 49,
    });
    const { body: obs } = await api<{ items: { ts: string; value: number }[] }>(
      `/api/v1/series/${series.items[0]?.id}/observations?from=2019-01-01T00:00:00Z&to=2020-01-01T00:00:00Z`,
    );
    expect(obs.items).toEqual([{ ts: "2019-01-01T00:00:00.000Z", value: 5081769542379.77 }]);
    const stats = await waitFor("the run's stored count", async () => {
      const runs = await runsOf("gdp");
      const latest = runs.find((r) => r.id === run.id);
      return latest && latest.recordsStored === 49 ? latest : undefined;
    });
    expect(stats.recordsUpdated).toBe(0);
  });

  it("runs the same slot again without duplicating anything", async () => {
    const first = await finishedRun("gdp");
    const [slotRow] = await sql<{ slot: Date }[]>`select slot from runs where id = ${first.id}`;
    const { status, body: queued } = await api<Run>("/api/v1/profiles/gdp/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slot: slotRow?.slot.toISOString() }),
    });
    expect(status).toBe(202);
    // A fast drone may already have started it by the time the reply is built.
    expect(["queued", "running", "succeeded"]).toContain(queued.status);
    expect(queued).toMatchObject({ trigger: "manual", profileId: "gdp" });
    const again = await waitFor("the manual run to finish", async () => {
      const run = (await runsOf("gdp")).find((r) => r.id === queued.id);
      return run && run.status !== "queued" && run.status !== "running" ? run : undefined;
    });
    expect(again).toMatchObject({ status: "succeeded", recordsOut: 49, recordsStored: 0, recordsUpdated: 0 });
    // Wait until the aggregator has committed and acknowledged every batch published so far.
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      await waitFor("the aggregator to drain RECORDS", async () => {
        const info = await jsm.consumers.info("RECORDS", "aggregator-records");
        return info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq >= 2
          ? true
          : undefined;
      });
    } finally {
      await nc.close();
    }
    const [counts] = await sql<{ n: string; revised: string }[]>`
      select count(*) as n, count(*) filter (where revisions > 0) as revised from observations`;
    expect(Number(counts?.n)).toBe(49);
    expect(Number(counts?.revised)).toBe(0);
    const [series] = await sql<{ n: string }[]>`select count(*) as n from series`;
    expect(Number(series?.n)).toBe(1);
  });

  it("fails a run whose source answers HTTP 500, saying so", async () => {
    const run = await finishedRun("broken");
    expect(run.status).toBe("retrying");
    expect(run.errorCode).toBe("source_http_error");
    expect(run.errorMessage).toContain("HTTP 500");
    expect(run.errorMessage).toContain("upstream exploded");
  });

  it("fails a run whose source does not return JSON, and the drone keeps working", async () => {
    const run = await finishedRun("html");
    expect(run.status).toBe("retrying");
    expect(run.errorCode).toBe("source_not_json");
    expect(run.errorMessage).toContain("text/html");
    const { body } = await api<{ items: { id: string; status: string; counters: { failed: number } }[] }>(
      "/api/v1/drones",
    );
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ id: "e2e-drone", status: "alive" });
    expect(processes.find((p) => p.name === "drone")?.child.exitCode).toBeNull();
  });

  it("refuses anonymous callers and shows another tenant none of this tenant's data", async () => {
    expect((await api("/api/v1/profiles", undefined, null)).status).toBe(401);
    expect((await api("/health", undefined, null)).status).toBe(200);
    const { body: profiles } = await api<{ items: unknown[] }>(
      "/api/v1/profiles",
      undefined,
      OTHER_TENANT_KEY,
    );
    expect(profiles.items).toEqual([]);
    expect((await api("/api/v1/profiles/gdp", undefined, OTHER_TENANT_KEY)).status).toBe(404);
    const { body: series } = await api<{ items: { id: number }[] }>("/api/v1/series?profile=gdp");
    const id = series.items[0]?.id;
    expect((await api(`/api/v1/series/${id}`, undefined, OTHER_TENANT_KEY)).status).toBe(404);
    expect((await api(`/api/v1/series/${id}/observations`, undefined, OTHER_TENANT_KEY)).status).toBe(404);
    expect((await api<{ items: unknown[] }>("/api/v1/runs", undefined, OTHER_TENANT_KEY)).body.items).toEqual(
      [],
    );
    const trigger = await api("/api/v1/profiles/gdp/runs", { method: "POST" }, OTHER_TENANT_KEY);
    expect(trigger.status).toBe(403);
  });

  it("stores pushed readings as one series per device and metric, once however often they are sent", async () => {
    const readings = [
      { device_id: "esp-001", ts: 1733856000, seq: 1, metrics: { temp: 30.5, humidity: 40.2 } },
      { device_id: "esp-001", ts: 1733856060, seq: 2, metrics: { temp: 30.7, humidity: 40.1 } },
    ];
    const push = () =>
      api<{ accepted: number; duplicates: number }>("/api/v1/ingest", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(readings),
      });
    expect(await push()).toEqual({ status: 202, body: { accepted: 2, duplicates: 0 } });
    expect(await push()).toEqual({ status: 202, body: { accepted: 0, duplicates: 2 } });
    const series = await waitFor("the pushed series", async () => {
      const { body } = await api<{ items: { measure: string; dims: object; count: number }[] }>(
        "/api/v1/series?profile=ingest",
      );
      return body.items.length === 2 && body.items.every((s) => s.count === 2) ? body.items : undefined;
    });
    expect(series.map((s) => [s.measure, s.dims]).sort()).toEqual([
      ["humidity", { device: "esp-001" }],
      ["temp", { device: "esp-001" }],
    ]);
  });

  it("stops every process gracefully on SIGTERM", async () => {
    const stopping = processes.splice(0);
    await Promise.all(stopping.map((p) => p.stop("SIGTERM")));
    for (const p of stopping)
      expect({ name: p.name, code: await p.exited }).toEqual({ name: p.name, code: 0 });
  });
});
