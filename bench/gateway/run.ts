/**
 * @module bench/gateway: authenticated `GET /api/v1/series/{id}` through the gateway (credential
 * check, RPC over NATS to the aggregator, an indexed query) under load with autocannon, against a
 * bare Hono "hello" served the same way, in the same run on the same machine. Reports req/s and
 * p50/p99 of both, their ratio, and the gateway's latency at a fixed 1,000 req/s; then the same
 * with rate limits on (two more NATS round trips per request). Fails if any request fails.
 *
 *   npm run bench:gateway -- [--duration 10] [--connections 32] [--rate 1000]
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createDatabase, runMigrations } from "@chartly/db";
import {
  freePort,
  type Launched,
  launch,
  startNatsServer,
  startPostgresServer,
  waitFor,
} from "@chartly/testkit";
import autocannon from "autocannon";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "32" },
    rate: { type: "string", default: "1000" },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const RATE = Number(args.rate);
const READER_KEY = "bench-reader-key-0000000000000000";
const INGEST_KEY = "bench-ingest-key-0000000000000000";

interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
}

async function load(
  name: string,
  url: string,
  headers: Record<string, string>,
  options: { duration: number; rate?: number },
): Promise<Figures & { total: number }> {
  const result = await autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    duration: options.duration,
    ...(options.rate ? { overallRate: options.rate } : {}),
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
    total: result.requests.total,
  };
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

/** CPU time per request of each process while `work` runs. */
async function cpuPerRequest(
  pids: Record<string, { pid: number | undefined; children?: boolean }>,
  work: () => Promise<Figures & { total: number }>,
): Promise<{ figures: Figures; perRequest: Record<string, number> }> {
  const before = Object.fromEntries(
    Object.entries(pids).map(([name, p]) => [name, cpuSeconds(p.pid, p.children)]),
  );
  const bench = process.cpuUsage();
  const figures = await work();
  const perRequest: Record<string, number> = {};
  for (const [name, p] of Object.entries(pids)) {
    perRequest[name] = ((cpuSeconds(p.pid, p.children) - (before[name] ?? 0)) * 1e6) / figures.total;
  }
  const used = process.cpuUsage(bench);
  perRequest["autocannon (this process)"] = (used.user + used.system) / figures.total;
  return { figures, perRequest };
}

const row = (f: Figures) =>
  `${f.name.padEnd(44)} ${Math.round(f.rps).toLocaleString("en-US").padStart(8)} req/s   p50 ${f.p50.toFixed(1).padStart(5)} ms   p99 ${f.p99.toFixed(1).padStart(5)} ms`;

async function main(): Promise<void> {
  console.log(
    `bench/gateway: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; ${CONNECTIONS} connections, ${DURATION} s per run`,
  );
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
      const gateway = launch(name, "services/gateway/src/main.ts", {
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
    processes.push(launch("aggregator", "services/aggregator/src/main.ts", { ...common, HTTP_PORT: "0" }));
    const helloPort = await freePort();
    processes.push(launch("hello", "bench/gateway/hello.ts", { HTTP_PORT: String(helloPort) }));
    const hello = `http://127.0.0.1:${helloPort}/hello`;
    await waitFor("the hello server", async () => ((await fetch(hello)).ok ? true : undefined), 30_000, 100);
    const gateway = await gatewayOn("gateway", { RATE_LIMIT_ENABLED: "false" });

    // A series of 500 hourly readings, stored the way devices send them.
    const readings = Array.from({ length: 500 }, (_, seq) => ({
      device_id: "bench-1",
      ts: 1_733_856_000 + seq * 3600,
      seq,
      metrics: { temp: 20 + Math.sin(seq / 12) },
    }));
    const pushed = await fetch(`${gateway}/api/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${INGEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(readings),
    });
    if (pushed.status !== 202) throw new Error(`ingest answered ${pushed.status}: ${await pushed.text()}`);
    const auth = { authorization: `Bearer ${READER_KEY}` };
    const seriesUrl = await waitFor("the series to be stored", async () => {
      const page = (await (await fetch(`${gateway}/api/v1/series`, { headers: auth })).json()) as {
        items: { id: number; count: number }[];
      };
      const series = page.items[0];
      return series && series.count === 500 ? `${gateway}/api/v1/series/${series.id}` : undefined;
    });
    // Statistics as autovacuum would have them on a running system, so the plan is the steady one.
    await database.sql`analyze`;
    await database.close();
    const sample = await fetch(seriesUrl, { headers: auth });
    console.log(`GET ${new URL(seriesUrl).pathname} → ${sample.status} ${await sample.text()}\n`);

    // Warm both up (JIT, connection pools, prepared statements), then measure.
    await load("warm-up", hello, {}, { duration: 2 });
    await load("warm-up", seriesUrl, auth, { duration: 3 });
    const { figures: bare, perRequest: barePerRequest } = await cpuPerRequest(
      { "hello server": { pid: processes.find((p) => p.name === "hello")?.child.pid } },
      () => load("bare Hono GET /hello", hello, {}, { duration: DURATION }),
    );
    const pids = {
      gateway: { pid: processes.find((p) => p.name === "gateway")?.child.pid },
      aggregator: { pid: processes.find((p) => p.name === "aggregator")?.child.pid },
      "nats-server": { pid: natsPid(nats.port) },
      postgres: { pid: pg.pid(), children: true },
    };
    const { figures: full, perRequest } = await cpuPerRequest(pids, () =>
      load("gateway GET /api/v1/series/{id}", seriesUrl, auth, { duration: DURATION }),
    );
    const fixed = await load(`gateway at ${RATE} req/s`, seriesUrl, auth, { duration: DURATION, rate: RATE });

    const limited = await gatewayOn("gateway-rate-limited", {
      RATE_LIMIT_PER_PRINCIPAL: "100000000",
      RATE_LIMIT_PER_IP: "100000000",
    });
    const limitedUrl = seriesUrl.replace(gateway, limited);
    await load("warm-up", limitedUrl, auth, { duration: 3 });
    const withLimits = await load("gateway, rate limits on", limitedUrl, auth, { duration: DURATION });
    const fixedWithLimits = await load(`gateway, rate limits on, at ${RATE} req/s`, limitedUrl, auth, {
      duration: DURATION,
      rate: RATE,
    });

    for (const figures of [bare, full, fixed, withLimits, fixedWithLimits]) console.log(row(figures));
    for (const [what, usage] of [
      ["GET /api/v1/series/{id}", perRequest],
      ["bare Hono GET /hello", barePerRequest],
    ] as const) {
      const total = Object.values(usage).reduce((sum, micros) => sum + micros, 0);
      console.log(`\nCPU per request of ${what}, by process (${total.toFixed(0)} µs in all):`);
      for (const [name, micros] of Object.entries(usage)) {
        console.log(`  ${name.padEnd(28)} ${micros.toFixed(0).padStart(5)} µs`);
      }
    }
    const ratio = full.rps / bare.rps;
    console.log(
      `\ngateway / bare Hono: ${ratio.toFixed(2)}× (target ≥ 0.30×: ${ratio >= 0.3 ? "met" : "NOT met"})`,
    );
    console.log(
      `p99 at ${RATE} req/s: ${fixed.p99.toFixed(1)} ms (target < 20 ms: ${fixed.p99 < 20 ? "met" : "NOT met"}); ` +
        `achieved ${Math.round(fixed.rps)} req/s`,
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
