/**
 * @module bench/ingest: observations/s through RECORDS and the aggregator into Postgres, against
 * the ceiling of loading the same rows straight into the same table with one COPY, measured in
 * the same run on the same servers. Then the same batches again: nothing new may be stored.
 *
 *   npm run bench:ingest -- [--series 1000] [--points 1000] [--batch 1000] [--spacing 60 (minutes)]
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ensurePartitions, loadConfig, startAggregator, yearsBetween } from "@chartly/aggregator";
import type { RecordBatch } from "@chartly/contracts";
import { createDatabase, runMigrations } from "@chartly/db";
import { ensureStreams } from "@chartly/platform";
import { startNatsServer, startPostgresServer, waitFor } from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

const { values: args } = parseArgs({
  options: {
    series: { type: "string", default: "1000" },
    points: { type: "string", default: "1000" },
    batch: { type: "string", default: "1000" },
    spacing: { type: "string", default: "60" },
  },
});
const SERIES = Number(args.series);
const POINTS = Number(args.points);
const BATCH = Number(args.batch);
const TOTAL = SERIES * POINTS;
const BATCHES = Math.ceil(TOTAL / BATCH);
const START = Date.parse("2020-01-01T00:00:00Z");
/** Time between a series' points; hourly by default (too sparse for rollups), `--spacing 1` for minutes. */
const STEP = Number(args.spacing) * 60_000;

/** Record batches: each batch holds BATCH records, walking series-major like a paged source. */
function* batches(runId: string): Generator<RecordBatch> {
  let records: RecordBatch["records"] = [];
  let n = 0;
  for (let s = 0; s < SERIES; s++) {
    for (let p = 0; p < POINTS; p++) {
      const time = new Date(START + p * STEP).toISOString();
      records.push({
        key: `s${s}|${time}`,
        time,
        dims: { sensor: `s${s}` },
        measures: { value: (s * 7 + p) % 1000 },
      });
      if (records.length === BATCH) {
        yield { tenant: "bench", profileId: "bench", runId, batch: n++, units: {}, records };
        records = [];
      }
    }
  }
  if (records.length > 0) yield { tenant: "bench", profileId: "bench", runId, batch: n, units: {}, records };
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

/**
 * CPU seconds used so far by a Postgres server: the postmaster, its backends that have exited
 * (counted in its children's times once reaped) and those still running. Unlike wall time, this
 * hardly depends on what else the machine is doing.
 */
function postgresCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const ticks = (stat: string[], from: number, to: number) =>
    stat.slice(from, to).reduce((sum, field) => sum + Number(field), 0);
  // Fields after the command name (which may hold spaces): state is [0], ppid [1], utime [11].
  const fields = (text: string) => text.slice(text.lastIndexOf(")") + 2).split(" ");
  const own = fields(readFileSync(`/proc/${pid}/stat`, "utf8"));
  let total = ticks(own, 11, 15);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fields(readFileSync(`/proc/${entry}/stat`, "utf8"));
      if (Number(stat[1]) === pid) total += ticks(stat, 11, 13);
    } catch {
      // The process exited while we looked; its time is in the postmaster's children's times.
    }
  }
  return total / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
const nodeCpuSeconds = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};
const fmt = (n: number) => n.toLocaleString("en-US");

async function main(): Promise<void> {
  console.log(
    `bench/ingest: ${fmt(TOTAL)} observations (${SERIES} series × ${POINTS} points), ${BATCH} records per batch`,
  );
  const nats = await startNatsServer();
  const pg = await startPostgresServer();
  const database = createDatabase(pg.url, { max: 4 });
  try {
    await runMigrations(database);
    const sql = database.sql;

    // Ceiling: the same rows in one COPY into the same table (series and partitions created up front).
    await ensurePartitions(sql, yearsBetween(START, START + POINTS * STEP));
    await sql`insert into series (tenant_id, profile_id, measure, dims, dims_key)
      select 'ceiling', 'bench', 'value', jsonb_build_object('sensor', 's' || g), 'sensor=s' || g
      from generate_series(0, ${SERIES - 1}) g`;
    const ids = (
      await sql<{ id: string }[]>`select id from series where tenant_id = 'ceiling' order by id`
    ).map((r) => r.id);
    let pgCpu = postgresCpuSeconds(pg.pid());
    let started = performance.now();
    const copy = await sql`copy observations (series_id, ts, value, run_id) from stdin`.writable();
    for (let s = 0; s < SERIES; s++) {
      let chunk = "";
      for (let p = 0; p < POINTS; p++) {
        chunk += `${ids[s]}\t${new Date(START + p * STEP).toISOString()}\t${(s * 7 + p) % 1000}\tceiling\n`;
      }
      if (!copy.write(chunk)) await new Promise((r) => copy.once("drain", r));
    }
    await new Promise<void>((resolve, reject) => {
      copy.once("finish", resolve);
      copy.once("error", reject);
      copy.end();
    });
    const ceilingMs = performance.now() - started;
    const ceilingPgCpu = postgresCpuSeconds(pg.pid()) - pgCpu;
    await sql`delete from observations`;
    await sql`delete from series`;
    await sql`vacuum analyze observations`;

    // Publish every batch first, so the aggregator drains a backlog at its own pace.
    const nc = await connect({ servers: nats.url });
    await ensureStreams(nc);
    const js = jetstream(nc);
    const publish = async (runId: string) => {
      const pending: Promise<unknown>[] = [];
      for (const batch of batches(runId)) {
        pending.push(
          js.publish(`chartly.records.bench.bench`, JSON.stringify(batch), {
            msgID: `${runId}:${batch.batch}`,
          }),
        );
        if (pending.length >= 256) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
    };
    await publish("first");
    const count = async () =>
      Number((await sql<{ n: string }[]>`select count(*) as n from observations`)[0]?.n);

    // Drained = every message acknowledged, and the aggregator acks only after its commit.
    // (Polling count(*) instead would compete with the writer for the two cores.)
    const jsm = await ensureStreams(nc);
    const drained = (expected: number) => async () => {
      const info = await jsm.consumers.info("RECORDS", "aggregator-records").catch(() => undefined);
      return info && info.ack_floor.stream_seq >= expected && info.num_ack_pending === 0 ? true : undefined;
    };
    const firstSeq = (await jsm.streams.info("RECORDS")).state.last_seq;

    pgCpu = postgresCpuSeconds(pg.pid());
    let nodeCpu = nodeCpuSeconds();
    started = performance.now();
    const aggregator = await startAggregator(
      loadConfig({
        NATS_URL: nats.url,
        DATABASE_URL: pg.url,
        HTTP_PORT: "0",
        LOG_LEVEL: "warn",
        INSTANCE_ID: "bench",
        INGEST_ACK_WAIT_MS: "120000",
        ROLLUP_INTERVAL_MS: process.env.BENCH_ROLLUP_MS ?? "1000",
        INGEST_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? "2",
      }),
    );
    const startupMs = performance.now() - started;
    // What it had stored by the end of its start-up, so the steady rate can leave start-up out.
    const ackedAtStartup =
      (await jsm.consumers.info("RECORDS", "aggregator-records")).ack_floor.stream_seq - (firstSeq - BATCHES);
    const steadyFrom = performance.now();
    await waitFor("every batch stored", drained(firstSeq), 600_000, 20);
    const endToEndMs = performance.now() - started;
    const steadyMs = performance.now() - steadyFrom;
    const steadyRows = TOTAL - Math.max(0, ackedAtStartup) * BATCH;
    // Rollups are refreshed behind ingest: how long until they have caught up.
    await waitFor(
      "the rollups to catch up",
      async () =>
        Number(
          (await sql<{ n: string }[]>`select count(*) as n from series where rollup_from is not null`)[0]?.n,
        ) === 0
          ? true
          : undefined,
      600_000,
      100,
    );
    const rollupsMs = performance.now() - started;
    const [rolled] = await sql<{ n: string }[]>`select count(*) as n from observation_rollups`;
    const e2ePgCpu = postgresCpuSeconds(pg.pid()) - pgCpu;
    const e2eNodeCpu = nodeCpuSeconds() - nodeCpu;
    const stored = await count();
    if (stored !== TOTAL) throw new Error(`stored ${stored} observations, expected ${TOTAL}`);

    // Replay: the same records again (new message ids, so the stream does not drop them).
    await publish("replay");
    const replaySeq = (await jsm.streams.info("RECORDS")).state.last_seq;
    pgCpu = postgresCpuSeconds(pg.pid());
    nodeCpu = nodeCpuSeconds();
    started = performance.now();
    await waitFor("the replay drained", drained(replaySeq), 600_000, 20);
    const replayMs = performance.now() - started;
    const replayPgCpu = postgresCpuSeconds(pg.pid()) - pgCpu;
    const replayNodeCpu = nodeCpuSeconds() - nodeCpu;
    const afterReplay = await count();
    const [revised] = await sql<{ n: string }[]>`select count(*) as n from observations where revisions > 0`;

    await aggregator.stop();
    await nc.close();

    const ceiling = rate(TOTAL, ceilingMs);
    const e2e = rate(TOTAL, endToEndMs);
    const steady = rate(steadyRows, steadyMs);
    const replay = rate(TOTAL, replayMs);
    console.table([
      {
        path: "COPY into observations (ceiling)",
        seconds: (ceilingMs / 1000).toFixed(2),
        "obs/s": fmt(ceiling),
        "vs ceiling": "1.00",
        "Postgres CPU s": ceilingPgCpu.toFixed(2),
        "aggregator CPU s": "-",
      },
      {
        path: "RECORDS → aggregator → Postgres",
        seconds: (endToEndMs / 1000).toFixed(2),
        "obs/s": fmt(e2e),
        "vs ceiling": (e2e / ceiling).toFixed(2),
        "Postgres CPU s": e2ePgCpu.toFixed(2),
        "aggregator CPU s": e2eNodeCpu.toFixed(2),
      },
      {
        path: "  the same, after start-up",
        seconds: (steadyMs / 1000).toFixed(2),
        "obs/s": fmt(steady),
        "vs ceiling": (steady / ceiling).toFixed(2),
        "Postgres CPU s": "",
        "aggregator CPU s": "",
      },
      {
        path: "replay of the same batches",
        seconds: (replayMs / 1000).toFixed(2),
        "obs/s": fmt(replay),
        "vs ceiling": (replay / ceiling).toFixed(2),
        "Postgres CPU s": replayPgCpu.toFixed(2),
        "aggregator CPU s": replayNodeCpu.toFixed(2),
      },
    ]);
    console.log(`aggregator start-up, included in the end-to-end time: ${startupMs.toFixed(0)} ms`);
    console.log(
      `hourly rollups current ${(rollupsMs / 1000).toFixed(2)} s after the start (${fmt(Number(rolled?.n))} rollup rows)`,
    );
    console.log(
      `after replay: ${fmt(afterReplay)} observations (expected ${fmt(TOTAL)}), ${revised?.n} revised`,
    );
    const ok = afterReplay === TOTAL && Number(revised?.n) === 0;
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    console.log(
      `targets, end to end with start-up / after start-up: ≥ 100,000 obs/s: ${verdict(e2e >= 100_000)} / ${verdict(steady >= 100_000)}; ≥ 0.5× ceiling: ${verdict(e2e >= 0.5 * ceiling)} / ${verdict(steady >= 0.5 * ceiling)}; replay ≥ e2e: ${verdict(replay >= e2e)}; replay stores nothing: ${verdict(ok)}`,
    );
  } finally {
    await database.close();
    await pg.stop();
    await nats.stop();
  }
}

await main();
