/**
 * @module bench/fleet: dispatch under load. Many profiles on short intervals (jittered, so the
 * slots spread over the interval), a coordinator, the registry and the aggregator as real
 * processes, and many lightweight drones in this process (the real worker and NATS transport)
 * against a fast local source. Reports dispatch lateness (scheduled slot → job leased by a drone)
 * p50/p99, jobs/s and the coordinator's CPU, next to a baseline measured in the same run: the
 * latency of a bare JetStream publish → pull at the same rate, the floor any dispatch stands on.
 *
 *   npm run bench:fleet -- [--profiles 2000] [--drones 50] [--every 1m] [--minutes 3]
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CONSUMERS, jobSubject, parseDuration, STREAMS } from "@chartly/contracts";
import { createDatabase, runMigrations } from "@chartly/db";
import {
  type ControlPlane,
  type Lease,
  LOOPBACK,
  NatsControlPlane,
  outboundGuard,
  Worker,
} from "@chartly/drone";
import {
  createLogger,
  ensurePullConsumer,
  ensureStreams,
  openDrainBucket,
  openDroneBucket,
} from "@chartly/platform";
import { launch, startHttpSource, startNatsServer, startPostgresServer, waitFor } from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";

const { values: args } = parseArgs({
  options: {
    profiles: { type: "string", default: "2000" },
    drones: { type: "string", default: "50" },
    every: { type: "string", default: "1m" },
    minutes: { type: "string", default: "3" },
  },
});
const PROFILES = Number(args.profiles);
const DRONES = Number(args.drones);
const EVERY = args.every as string;
const EVERY_MS = parseDuration(EVERY) ?? Number.NaN;
if (!(EVERY_MS > 0)) throw new Error(`--every must be a duration such as 1m or 30s, got ${EVERY}`);
const MINUTES = Number(args.minutes);
/** Slots before this are the catch-up burst of the first tick, not steady state. */
const WARMUP_MS = 45_000;

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
const cpuSeconds = (pid: number | undefined) => {
  if (pid === undefined) return Number.NaN;
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
};
const quantile = (sorted: number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
const ms = (n: number) => `${Math.round(n)} ms`;

const profileYaml = (i: number, url: string) => `id: bench-${i}
name: bench ${i}
schedule: { every: ${EVERY}, jitter: ${EVERY} }
source:
  url: ${url}
  retry: { attempts: 1 }
records:
  path: "$.items[*]"
  time: { field: t, format: iso }
  measures: { v: v }
`;

/** The NATS transport, noting when each job was leased against its slot. */
function measured(inner: ControlPlane, lateness: { slot: number; leasedAt: number }[]): ControlPlane {
  return {
    heartbeat: (beat) => inner.heartbeat(beat),
    leave: (id) => inner.leave(id),
    close: () => inner.close(),
    async lease(waitMs): Promise<Lease | null> {
      const lease = await inner.lease(waitMs);
      const slot = (lease?.payload as { slot?: string } | undefined)?.slot;
      if (slot) lateness.push({ slot: Date.parse(slot), leasedAt: Date.now() });
      return lease;
    },
  };
}

/** Bare JetStream at the fleet's rate: publish a message, a pull consumer takes it. */
async function baseline(nc: NatsConnection, perSecond: number, seconds: number): Promise<number[]> {
  const jsm = await ensureStreams(nc, ["jobs"]);
  await ensurePullConsumer(jsm, STREAMS.jobs.name, "bench-baseline", {
    filterSubject: jobSubject("bench-baseline"),
    ackWaitMs: 30_000,
  });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(STREAMS.jobs.name, "bench-baseline");
  const latencies: number[] = [];
  const total = perSecond * seconds;
  const pulling = (async () => {
    while (latencies.length < total) {
      const msg = await consumer.next({ expires: 2_000 });
      if (!msg) continue;
      latencies.push(Date.now() - Number(msg.string()));
      msg.ack();
    }
  })();
  for (let i = 0; i < total; i++) {
    await js.publish(jobSubject("bench-baseline"), String(Date.now()), { msgID: `baseline-${i}` });
    await new Promise((resolve) => setTimeout(resolve, 1_000 / perSecond));
  }
  await pulling;
  return latencies.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const perMinute = Math.round((PROFILES * 60_000) / EVERY_MS);
  console.log(
    `bench/fleet: ${PROFILES} profiles every ${EVERY} (${perMinute} jobs/min), ${DRONES} drones, ${MINUTES} min`,
  );
  const nats = await startNatsServer();
  const pg = await startPostgresServer();
  const database = createDatabase(pg.url, { max: 2 });
  await runMigrations(database);
  const source = await startHttpSource({
    "/fast": { body: { items: [{ t: "2026-01-01T00:00:00Z", v: 1 }] } },
  });
  const profilesDir = await mkdtemp(join(tmpdir(), "chartly-bench-fleet-"));
  for (let i = 0; i < PROFILES; i++)
    await writeFile(join(profilesDir, `bench-${i}.yaml`), profileYaml(i, `${source.url}/fast`));

  const nc = await connect({ servers: nats.url });
  const perSecond = Math.max(1, Math.round(perMinute / 60));
  const floor = await baseline(nc, perSecond, 15);

  const common = { NATS_URL: nats.url, DATABASE_URL: pg.url, HTTP_PORT: "0", LOG_LEVEL: "warn" };
  const registry = launch("registry", "services/registry/src/main.ts", {
    ...common,
    PROFILES_DIR: profilesDir,
  });
  const aggregator = launch("aggregator", "services/aggregator/src/main.ts", common);
  const coordinator = launch("coordinator", "services/coordinator/src/main.ts", common);
  const processes = [registry, aggregator, coordinator];

  // Drones: the real worker over the real NATS transport, ten to a connection.
  const jsm = await ensureStreams(nc);
  await ensurePullConsumer(jsm, STREAMS.jobs.name, CONSUMERS.drones("default"), {
    filterSubject: jobSubject("default"),
    ackWaitMs: 60_000,
    maxDeliver: 5,
  });
  const logger = createLogger("drone", "warn", "bench");
  const lateness: { slot: number; leasedAt: number }[] = [];
  const connections: NatsConnection[] = [];
  const workers: Worker[] = [];
  const localSource = outboundGuard({ allow: LOOPBACK });
  for (let i = 0; i < DRONES; i++) {
    if (i % 10 === 0) connections.push(await connect({ servers: nats.url }));
    const conn = connections.at(-1) as NatsConnection;
    const js = jetstream(conn);
    const transport = new NatsControlPlane(
      js,
      await js.consumers.get(STREAMS.jobs.name, CONSUMERS.drones("default")),
      await openDroneBucket(conn),
      await openDrainBucket(conn),
      60_000,
    );
    const worker = new Worker(measured(transport, lateness), logger, {
      id: `bench-drone-${i}`,
      pool: "default",
      capacity: 2,
      heartbeatMs: 5_000,
      batchRecords: 1_000,
      version: "bench",
      host: hostname(),
      // The generated source listens on 127.0.0.1.
      guard: localSource,
    });
    await worker.start();
    workers.push(worker);
  }

  try {
    const started = Date.now();
    await waitFor("the first jobs", async () => (lateness.length > 0 ? true : undefined), 120_000, 200);
    const windowStart = Math.max(started, Date.now()) + WARMUP_MS;
    const windowEnd = windowStart + MINUTES * 60_000;
    console.log(`warming up ${WARMUP_MS / 1000} s, then measuring ${MINUTES} min`);
    await new Promise((resolve) => setTimeout(resolve, windowStart - Date.now()));
    const cpuBefore = cpuSeconds(coordinator.child.pid);
    await new Promise((resolve) => setTimeout(resolve, windowEnd - Date.now()));
    const cpuAfter = cpuSeconds(coordinator.child.pid);
    // Jobs of the window's slots that are leased a little after it ends still count.
    await new Promise((resolve) => setTimeout(resolve, 5_000));

    const inWindow = lateness.filter((l) => l.slot >= windowStart && l.slot < windowEnd);
    const late = inWindow.map((l) => l.leasedAt - l.slot).sort((a, b) => a - b);
    const expected = Math.round((PROFILES * (windowEnd - windowStart)) / EVERY_MS);
    const seconds = (windowEnd - windowStart) / 1000;
    const coordinatorCpu = (cpuAfter - cpuBefore) / seconds;
    console.table([
      {
        what: "bare JetStream publish → pull (baseline)",
        jobs: floor.length,
        p50: ms(quantile(floor, 0.5)),
        p99: ms(quantile(floor, 0.99)),
        max: ms(floor.at(-1) ?? Number.NaN),
      },
      {
        what: "dispatch: slot → leased by a drone",
        jobs: late.length,
        p50: ms(quantile(late, 0.5)),
        p99: ms(quantile(late, 0.99)),
        max: ms(late.at(-1) ?? Number.NaN),
      },
    ]);
    console.log(
      [
        `slots in the window: ${expected}, leased: ${late.length} (${((100 * late.length) / expected).toFixed(1)}%)`,
        `jobs/s: ${(late.length / seconds).toFixed(1)}`,
        `coordinator CPU: ${(100 * coordinatorCpu).toFixed(1)}% of one core`,
        `p99 lateness / baseline p99: ${(quantile(late, 0.99) / quantile(floor, 0.99)).toFixed(1)}×`,
        `p99 target (< 1000 ms): ${quantile(late, 0.99) < 1_000 ? "met" : "missed"}`,
      ].join("\n"),
    );
  } finally {
    await Promise.allSettled(workers.map((w) => w.stop()));
    for (const conn of connections) await conn.close();
    await nc.close();
    await Promise.allSettled(processes.map((p) => p.stop()));
    await source.close();
    await database.close();
    await pg.stop();
    await nats.stop();
    await rm(profilesDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
