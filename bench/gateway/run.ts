/**
 * @module bench/gateway: authenticated `GET /api/v1/series/{id}` through the gateway (credential
 * check, RPC over NATS to the aggregator, an indexed query) under load with autocannon, reading
 * `--series` series in turn, against a bare Hono "hello" served the same way, in alternating
 * rounds of the same run on the same machine, at each number of connections given. Reports req/s
 * and p50/p99 of each round, the ratio of the medians at each number of connections (the verdict
 * takes the one where the gateway does best), the cores each process kept busy, CPU per request by process, how the reads were
 * batched, and the gateway's latency at a fixed 1,000 req/s; then the same with rate limits on
 * (two more NATS round trips per request). Fails if any request fails. The services run as deployed: their compiled
 * output (built first, `npm run build`) under plain Node; `--source` runs the TypeScript under tsx
 * instead, as the tests do.
 *
 *   npm run bench:gateway -- [--duration 10] [--rounds 3] [--series 100] [--connections 32,128] [--rate 1000] [--source]
 */
import { execFile, execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import { createDatabase, runMigrations } from "@chartly/db";
import {
  freePort,
  type Launched,
  launch,
  REPO_ROOT,
  startNatsServer,
  startPostgresServer,
  waitFor,
} from "@chartly/testkit";
import autocannon from "autocannon";

const execFileAsync = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    /** Comma-separated: each number of connections is measured in rounds of its own. */
    connections: { type: "string", default: "32,128" },
    rate: { type: "string", default: "1000" },
    rounds: { type: "string", default: "3" },
    series: { type: "string", default: "100" },
    source: { type: "boolean", default: false },
  },
});
const DURATION = Number(args.duration);
const LEVELS = args.connections.split(",").map(Number);
if (LEVELS.some((n) => !Number.isInteger(n) || n < 1)) {
  throw new Error(`--connections: expected whole numbers separated by commas, got "${args.connections}"`);
}
/** The open-loop client's connections: enough for its pace, as the closed loop's first level. */
const PACED_CONNECTIONS = LEVELS[0] as number;
const RATE = Number(args.rate);
const ROUNDS = Number(args.rounds);
const SERIES = Number(args.series);
/** A service's entry point: its compiled output, or with `--source` its TypeScript. */
const entry = (service: string) =>
  args.source ? `services/${service}/src/main.ts` : `services/${service}/dist/main.js`;
const READER_KEY = "bench-reader-key-0000000000000000";
const INGEST_KEY = "bench-ingest-key-0000000000000000";

interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

/** One URL, or a base URL and paths that the requests take in turn. */
type Target = string | { base: string; paths: string[] };

async function load(
  name: string,
  target: Target,
  headers: Record<string, string>,
  options: { duration: number; connections: number },
): Promise<Figures & { total: number }> {
  const result = await autocannon({
    url: typeof target === "string" ? target : target.base,
    headers,
    connections: options.connections,
    duration: options.duration,
    // Prepared once and taken in turn by every connection (building each request anew would
    // cost the load generator more than the bare "hello" it is compared with).
    ...(typeof target === "string"
      ? {}
      : { requests: target.paths.map((path) => ({ method: "GET" as const, path })) }),
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed > 0) {
    throw new Error(
      `${name}: ${failed} of ${result.requests.total} requests failed (${result.non2xx} non-2xx)`,
    );
  }
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    total: result.requests.total,
  };
}

/**
 * An open-loop load at `rate` requests a second, evenly spaced (wrk2's way; see paced.mjs, which
 * sends it from a process of its own). autocannon's `overallRate` instead lets each connection
 * send its share of a second back to back and then pause, so a "1,000 req/s" run is bursts at
 * full speed.
 */
async function paced(
  name: string,
  target: Target,
  headers: Record<string, string>,
  options: { duration: number; rate: number },
): Promise<Figures & { total: number }> {
  const { stdout } = await execFileAsync(process.execPath, [
    fileURLToPath(new URL("./paced.mjs", import.meta.url)),
    JSON.stringify({
      base: typeof target === "string" ? new URL(target).origin : target.base,
      paths: typeof target === "string" ? [new URL(target).pathname] : target.paths,
      headers,
      rate: options.rate,
      duration: options.duration,
      connections: PACED_CONNECTIONS,
    }),
  ]);
  const result = JSON.parse(stdout) as {
    sent: number;
    failed: number;
    seconds: number;
    latencies: { p50: number; p99: number; max: number };
  };
  if (result.failed > 0) throw new Error(`${name}: ${result.failed} of ${result.sent} requests failed`);
  return { name, rps: result.sent / result.seconds, ...result.latencies, total: result.sent };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Calls of a method answered in batches so far, from a service's Prometheus metrics. */
async function batchedCalls(metricsUrl: string, method: string): Promise<{ batches: number; calls: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (series: string) =>
    Number(
      new RegExp(
        `^chartly_rpc_batch_calls_${series}\\{[^}]*method="${method.replace(".", "\\.")}"[^}]*\\} (\\S+)$`,
        "m",
      ).exec(text)?.[1] ?? 0,
    );
  return { batches: value("count"), calls: value("sum") };
}

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

/** Fields of /proc/<pid>/stat after the command name: state [0], ppid [1], utime [11], stime [12]. */
function stat(pid: number | string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** CPU seconds a process has used, with its live children's (Postgres backends) when asked. */
function cpuSeconds(pid: number | undefined, withChildren = false): number {
  if (pid === undefined) return Number.NaN;
  const own = stat(pid);
  let ticks = own ? Number(own[11]) + Number(own[12]) : 0;
  if (withChildren) {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const child = stat(entry);
      if (child && Number(child[1]) === pid) ticks += Number(child[11]) + Number(child[12]);
    }
  }
  return ticks / CLOCK_TICKS;
}

/** The nats-server listening on `port`, found by its command line. */
function natsPid(port: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmd[0]?.endsWith("nats-server") && cmd.includes(String(port))) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

/** CPU time (µs) each process, and this one (autocannon), spent while `work` ran. */
async function cpuDuring(
  pids: Record<string, { pid: number | undefined; children?: boolean }>,
  work: () => Promise<Figures & { total: number }>,
): Promise<Measured> {
  const before = Object.fromEntries(
    Object.entries(pids).map(([name, p]) => [name, cpuSeconds(p.pid, p.children)]),
  );
  const bench = process.cpuUsage();
  const started = performance.now();
  const figures = await work();
  const seconds = (performance.now() - started) / 1000;
  const micros: Record<string, number> = {};
  for (const [name, p] of Object.entries(pids)) {
    micros[name] = (cpuSeconds(p.pid, p.children) - (before[name] ?? 0)) * 1e6;
  }
  const used = process.cpuUsage(bench);
  micros["autocannon (this process)"] = used.user + used.system;
  return { figures, micros, seconds };
}

interface Measured {
  figures: Figures & { total: number };
  /** CPU time by process. */
  micros: Record<string, number>;
  /** Wall time the load took. */
  seconds: number;
}

/** CPU µs per request, and cores kept busy, by process over measured rounds. */
function usage(measured: Measured[]): Record<string, { perRequest: number; cores: number }> {
  const requests = measured.reduce((sum, m) => sum + m.figures.total, 0);
  const seconds = measured.reduce((sum, m) => sum + m.seconds, 0);
  const micros: Record<string, number> = {};
  for (const m of measured) {
    for (const [name, value] of Object.entries(m.micros)) micros[name] = (micros[name] ?? 0) + value;
  }
  return Object.fromEntries(
    Object.entries(micros).map(([name, value]) => [
      name,
      { perRequest: value / requests, cores: value / 1e6 / seconds },
    ]),
  );
}

const row = (f: Figures) =>
  `${f.name.padEnd(54)} ${Math.round(f.rps).toLocaleString("en-US").padStart(8)} req/s   p50 ${f.p50.toFixed(1).padStart(5)} ms   p99 ${f.p99.toFixed(1).padStart(5)} ms   max ${f.max.toFixed(0).padStart(4)} ms`;

async function main(): Promise<void> {
  console.log(
    `bench/gateway: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; ${LEVELS.join(" and ")} connections, ${DURATION} s per run; services ${
      args.source ? "from source under tsx" : "compiled, under plain Node"
    }`,
  );
  if (!args.source)
    execFileSync("npm", ["run", "build"], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const nats = await startNatsServer();
  const pg = await startPostgresServer();
  const dir = await mkdtemp(join(tmpdir(), "chartly-bench-gateway-"));
  const processes: Launched[] = [];
  try {
    const database = createDatabase(pg.url, { max: 1 });
    await runMigrations(database);
    const keysFile = join(dir, "keys.json");
    await writeFile(
      keysFile,
      JSON.stringify({
        keys: [
          { id: "bench-reader", key: READER_KEY, tenants: ["bench"], roles: ["reader"] },
          { id: "bench-ingest", key: INGEST_KEY, tenants: ["bench"], roles: ["ingest"] },
        ],
      }),
    );
    const common = { NATS_URL: nats.url, DATABASE_URL: pg.url, LOG_LEVEL: "warn" };
    const gatewayOn = async (name: string, env: Record<string, string>) => {
      const port = await freePort();
      const gateway = launch(name, entry("gateway"), {
        ...common,
        HTTP_PORT: String(port),
        AUTH_API_KEYS_FILE: keysFile,
        ...env,
      });
      processes.push(gateway);
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        `${name} to see the aggregator`,
        async () => {
          const body = (await (await fetch(`${url}/health`)).json()) as {
            services: Record<string, { status: string }>;
          };
          return body.services.aggregator?.status === "ok" ? url : undefined;
        },
        60_000,
        250,
      );
      return url;
    };
    const aggregatorPort = await freePort();
    processes.push(
      launch("aggregator", entry("aggregator"), {
        ...common,
        HTTP_PORT: String(aggregatorPort),
      }),
    );
    const aggregatorMetrics = `http://127.0.0.1:${aggregatorPort}/metrics`;
    const helloPort = await freePort();
    processes.push(launch("hello", "bench/gateway/hello.mjs", { HTTP_PORT: String(helloPort) }));
    const hello = `http://127.0.0.1:${helloPort}/hello`;
    await waitFor("the hello server", async () => ((await fetch(hello)).ok ? true : undefined), 30_000, 100);
    const gateway = await gatewayOn("gateway", { RATE_LIMIT_ENABLED: "false" });

    // SERIES series of 500 hourly readings each, stored the way devices send them; the load
    // reads them in turn, as dashboards polling many series do.
    for (let device = 0; device < SERIES; device++) {
      const readings = Array.from({ length: 500 }, (_, seq) => ({
        device_id: `bench-${device}`,
        ts: 1_733_856_000 + seq * 3600,
        seq,
        metrics: { temp: 20 + device + Math.sin(seq / 12) },
      }));
      const pushed = await fetch(`${gateway}/api/v1/ingest`, {
        method: "POST",
        headers: { authorization: `Bearer ${INGEST_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(readings),
      });
      if (pushed.status !== 202) throw new Error(`ingest answered ${pushed.status}: ${await pushed.text()}`);
    }
    const auth = { authorization: `Bearer ${READER_KEY}` };
    const paths = await waitFor(
      `${SERIES} series to be stored`,
      async () => {
        const page = (await (
          await fetch(`${gateway}/api/v1/series?limit=${SERIES}`, { headers: auth })
        ).json()) as {
          items: { id: number; count: number }[];
        };
        const complete = page.items.filter((series) => series.count === 500);
        return complete.length === SERIES
          ? complete.map((series) => `/api/v1/series/${series.id}`)
          : undefined;
      },
      120_000,
    );
    const seriesTarget = { base: gateway, paths };
    // Statistics as autovacuum would have them on a running system, so the plan is the steady one.
    await database.sql`analyze`;
    await database.close();
    const sample = await fetch(`${gateway}${paths[0]}`, { headers: auth });
    console.log(`GET ${paths[0]} → ${sample.status} ${await sample.text()}\n`);

    // Warm both up (JIT, connection pools, caches), then measure in alternating rounds, so a
    // machine that speeds up or slows down meanwhile weighs on both alike.
    const warm = { duration: 3, connections: Math.max(...LEVELS) };
    await load("warm-up", hello, {}, { ...warm, duration: 2 });
    await load("warm-up", seriesTarget, auth, warm);
    const helloPids = { "hello server": { pid: processes.find((p) => p.name === "hello")?.child.pid } };
    const pids = {
      gateway: { pid: processes.find((p) => p.name === "gateway")?.child.pid },
      aggregator: { pid: processes.find((p) => p.name === "aggregator")?.child.pid },
      "nats-server": { pid: natsPid(nats.port) },
      postgres: { pid: pg.pid(), children: true },
    };
    // Few connections measure how fast one request goes through the chain of processes, enough of
    // them how many the servers can serve. Each round takes every number of connections in turn,
    // the "hello" then the gateway, so a machine that speeds up or slows down weighs on all alike.
    const levels = LEVELS.map((connections) => ({
      connections,
      bare: [] as Measured[],
      full: [] as Measured[],
      batched: { batches: 0, calls: 0 },
    }));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const level of levels) {
        const { connections } = level;
        level.bare.push(
          await cpuDuring(helloPids, () =>
            load(
              `bare Hono GET /hello, ${connections} conn., round ${round}`,
              hello,
              {},
              {
                duration: DURATION,
                connections,
              },
            ),
          ),
        );
        const batchedBefore = await batchedCalls(aggregatorMetrics, "series.get");
        level.full.push(
          await cpuDuring(pids, () =>
            load(
              `gateway GET /api/v1/series/{id}, ${connections} conn., round ${round}`,
              seriesTarget,
              auth,
              {
                duration: DURATION,
                connections,
              },
            ),
          ),
        );
        const batchedAfter = await batchedCalls(aggregatorMetrics, "series.get");
        level.batched.batches += batchedAfter.batches - batchedBefore.batches;
        level.batched.calls += batchedAfter.calls - batchedBefore.calls;
      }
    }
    // The same pace against the bare "hello": what the machine and this client add to a tail.
    const fixedBare = await paced(
      `bare Hono at ${RATE} req/s, evenly spaced`,
      hello,
      {},
      {
        duration: DURATION,
        rate: RATE,
      },
    );
    const fixed = await paced(`gateway at ${RATE} req/s, evenly spaced`, seriesTarget, auth, {
      duration: DURATION,
      rate: RATE,
    });

    const limited = await gatewayOn("gateway-rate-limited", {
      RATE_LIMIT_PER_PRINCIPAL: "100000000",
      RATE_LIMIT_PER_IP: "100000000",
    });
    const limitedTarget = { base: limited, paths };
    await load("warm-up", limitedTarget, auth, warm);
    // One round at each number of connections, as the gateway's own (the default settings).
    const withLimits: Measured[] = [];
    const limitedPids = {
      ...pids,
      gateway: { pid: processes.find((p) => p.name === "gateway-rate-limited")?.child.pid },
    };
    for (const connections of LEVELS) {
      withLimits.push(
        await cpuDuring(limitedPids, () =>
          load(`gateway, rate limits on, ${connections} conn.`, limitedTarget, auth, {
            duration: DURATION,
            connections,
          }),
        ),
      );
    }
    const fixedWithLimits = await paced(
      `gateway, rate limits on, at ${RATE} req/s, evenly spaced`,
      limitedTarget,
      auth,
      {
        duration: DURATION,
        rate: RATE,
      },
    );

    for (const level of levels) {
      for (let round = 0; round < ROUNDS; round++) {
        const [b, f] = [level.bare[round]?.figures, level.full[round]?.figures] as [Figures, Figures];
        console.log(row(b));
        console.log(row(f));
        console.log(`${"  ratio".padEnd(54)} ${(f.rps / b.rps).toFixed(2)}×`);
      }
    }
    for (const figures of [fixedBare, fixed, ...withLimits.map((m) => m.figures), fixedWithLimits]) {
      console.log(row(figures));
    }
    const limitedLevels = LEVELS.map((connections, i) => ({
      connections,
      measured: withLimits.slice(i, i + 1),
      what: "GET /api/v1/series/{id} with rate limits on",
    }));
    for (const { connections, measured, what } of [
      ...levels.flatMap((level) => [
        { connections: level.connections, measured: level.full, what: "GET /api/v1/series/{id}" },
        { connections: level.connections, measured: level.bare, what: "bare Hono GET /hello" },
      ]),
      ...limitedLevels,
    ]) {
      const byProcess = usage(measured);
      const total = Object.values(byProcess).reduce((sum, u) => sum + u.perRequest, 0);
      console.log(
        `\nCPU per request of ${what} at ${connections} connections, by process (${total.toFixed(0)} µs in all), and cores kept busy:`,
      );
      for (const [name, u] of Object.entries(byProcess)) {
        console.log(
          `  ${name.padEnd(28)} ${u.perRequest.toFixed(0).padStart(5)} µs   ${u.cores.toFixed(2)} cores`,
        );
      }
    }
    console.log("");
    for (const { connections, full, batched } of levels) {
      const requests = full.reduce((n, m) => n + m.figures.total, 0);
      console.log(
        `series.get calls that travelled in batches at ${connections} connections: ` +
          `${((100 * batched.calls) / requests).toFixed(0)}%, ` +
          `${(batched.calls / Math.max(1, batched.batches)).toFixed(1)} calls per batch on average`,
      );
    }
    const rates = levels.map((level) => ({
      connections: level.connections,
      bare: median(level.bare.map((m) => m.figures.rps)),
      full: median(level.full.map((m) => m.figures.rps)),
    }));
    for (const r of rates) {
      console.log(
        `at ${r.connections} connections, gateway / bare Hono (medians of ${ROUNDS} rounds: ` +
          `${Math.round(r.full)} / ${Math.round(r.bare)} req/s): ${(r.full / r.bare).toFixed(2)}×`,
      );
    }
    // The verdict compares the two at the number of connections where the gateway does best: the
    // same load for both, in rounds taken side by side. (The bare "hello" keeps its core busy at
    // every number tried, so its rate there is its most.)
    const best = rates.reduce((a, b) => (b.full / b.bare > a.full / a.bare ? b : a));
    const ratio = best.full / best.bare;
    const bestLimited = Math.max(...withLimits.map((m) => m.figures.rps));
    console.log(
      `gateway / bare Hono at ${best.connections} connections, where the gateway does best: ` +
        `${ratio.toFixed(2)}× (target ≥ 0.30×: ${ratio >= 0.3 ? "met" : "NOT met"})`,
    );
    console.log(
      `with rate limits on (the default), at its best (one round each): ${Math.round(bestLimited)} req/s, ` +
        `${(bestLimited / best.bare).toFixed(2)}× bare Hono at ${best.connections} connections`,
    );
    console.log(
      `p99 at ${RATE} req/s: ${fixed.p99.toFixed(1)} ms (target < 20 ms: ${fixed.p99 < 20 ? "met" : "NOT met"}); ` +
        `achieved ${Math.round(fixed.rps)} req/s; with rate limits on ${fixedWithLimits.p99.toFixed(1)} ms`,
    );
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
    await nats.stop();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
