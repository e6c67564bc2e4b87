import { type ForecastSpec, recordsSubject } from "@chartly/contracts";
import { ensureStreams, type RpcContext, rpcClient } from "@chartly/platform";
import {
  createTestDatabase,
  type Launched,
  launch,
  type NatsServer,
  startNatsServer,
  type TestDatabase,
  waitFor,
} from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const HOUR = 3_600_000;
const POINTS = 4_000;
const acme: RpcContext = { tenant: "acme", principal: "key:test", requestId: "" };

/** Aggregator replicas as real processes, stopped mid-fit. */
describe("a forecast job whose replica stops mid-fit", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let sql: postgres.Sql;
  let seriesId: number;
  const replicas = new Map<string, Launched>();

  const start = async (instance: string) => {
    const replica = launch(instance, "services/aggregator/src/main.ts", {
      NATS_URL: nats.url,
      DATABASE_URL: testDb.url,
      HTTP_PORT: "0",
      INSTANCE_ID: instance,
      FORECAST_WORKERS: "1",
      // A replica that dies stops renewing: its job goes to another after this long.
      FORECAST_ACK_WAIT_MS: "4000",
    });
    replicas.set(instance, replica);
    await waitFor(
      `${instance} to log ready`,
      async () => replica.output().includes("aggregator ready") || undefined,
      60_000,
    );
    return replica;
  };
  const call = <T>(method: string, payload: unknown) =>
    rpcClient(nc, 30_000).call<T>("aggregator", method, payload, acme);

  interface RunRow {
    id: string;
    status: string;
    instance: string;
    version: number | null;
    points: string;
    error_code: string | null;
    error_message: string | null;
  }
  const runsOf = (specId: string) => sql<RunRow[]>`
    select r.id, r.status, r.instance, r.version, r.error_code, r.error_message,
      (select count(*) from forecast_points p where p.run_id = r.id) as points
    from forecast_runs r where r.spec_id = ${specId}`;
  /** What the replicas logged, for a failure's message. */
  const logs = () =>
    [...replicas.entries()].map(([name, r]) => `--- ${name}\n${r.output().slice(-4_000)}`).join("\n");

  /** Queues a fit of a long series and answers the replica that started it, once it has. */
  const queueAndWatch = async () => {
    const spec = await call<ForecastSpec>("forecasts.specs.create", { seriesId, horizon: 48 });
    await call("forecasts.specs.run", { id: spec.id });
    const [running] = await waitFor(
      "the fit to start",
      async () => {
        const rows = await runsOf(spec.id);
        return rows[0]?.status === "running" ? rows : undefined;
      },
      60_000,
      20,
    );
    return { spec, holder: running?.instance.split("/")[0] as string };
  };

  const finishedElsewhere = async (specId: string, holder: string) => {
    const rows = await waitFor(
      "another replica to finish the fit",
      async () => {
        const r = await runsOf(specId);
        return r[0] && !["queued", "running"].includes(r[0].status) ? r : undefined;
      },
      90_000,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}; runs: ${JSON.stringify(await runsOf(specId))}\n${logs()}`);
    });
    expect(rows).toHaveLength(1);
    expect(rows[0], logs()).toMatchObject({ status: "succeeded", version: expect.any(Number), points: "48" });
    expect(rows[0]?.instance.split("/")[0]).not.toBe(holder);
  };

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await ensureStreams(nc);
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    sql = postgres(testDb.url, { max: 2, onnotice: () => {} });
    await start("agg-a");
    const first = Date.UTC(2025, 6, 1);
    await jetstream(nc).publish(
      recordsSubject("acme", "grid"),
      JSON.stringify({
        tenant: "acme",
        profileId: "grid",
        runId: "seed",
        batch: 0,
        records: Array.from({ length: POINTS }, (_, h) => ({
          key: `${h}`,
          time: new Date(first + h * HOUR).toISOString(),
          dims: {},
          measures: {
            load:
              100 +
              10 * Math.sin((2 * Math.PI * h) / 24) +
              4 * Math.sin((2 * Math.PI * h) / 168) +
              (h % 7) * 0.2,
          },
        })),
      }),
    );
    seriesId = await waitFor("the series", async () => {
      const [row] = await sql<{ id: string }[]>`select id from series where obs_count = ${POINTS}`;
      return row ? Number(row.id) : undefined;
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([...replicas.values()].map((r) => r.stop()));
    await nc?.close();
    await sql?.end();
    await testDb?.drop();
    await nats?.stop();
  });

  it("is taken over by another replica when the first is killed, and stored once", async () => {
    const { spec, holder } = await queueAndWatch();
    expect(holder).toBe("agg-a");
    await replicas.get("agg-a")?.stop("SIGKILL");
    replicas.delete("agg-a");
    await start("agg-b");
    await finishedElsewhere(spec.id, holder);
  }, 180_000);

  it("is handed back when its replica shuts down, and finished by another", async () => {
    await start("agg-c");
    const { spec, holder } = await queueAndWatch();
    const stopping = replicas.get(holder);
    replicas.delete(holder);
    await stopping?.stop("SIGTERM");
    expect(await stopping?.exited).toBe(0);
    expect(stopping?.output()).toContain(`"msg":"stopped"`);
    await finishedElsewhere(spec.id, holder);
  }, 180_000);
});
