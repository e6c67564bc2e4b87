/**
 * @module bench/query: a series of 1,000,000 points (one a minute), queried the ways a
 * dashboard does — resampled into 1,000 buckets, downsampled to 1,000 points, a raw range of
 * 10,000 points — through the aggregator's query functions. Resampling into whole hours reads
 * the hourly rollups; into other widths, every point. Medians of repeated runs; the scan
 * of the same rows by a bare `count(*)` is measured alongside as the baseline.
 *
 *   npm run bench:query -- [--points 1000000] [--runs 15]
 */
import { parseArgs } from "node:util";
import {
  ensurePartitions,
  getObservations,
  getSeries,
  refreshAllRollups,
  yearsBetween,
} from "@chartly/aggregator";
import { ObservationsQuerySchema } from "@chartly/contracts";
import { createDatabase, runMigrations } from "@chartly/db";
import { startPostgresServer } from "@chartly/testkit";

const { values: args } = parseArgs({
  options: {
    points: { type: "string", default: "1000000" },
    runs: { type: "string", default: "15" },
    explain: { type: "boolean", default: false },
  },
});
const POINTS = Number(args.points);
const RUNS = Number(args.runs);
const START = Date.parse("2024-01-01T00:00:00Z");
const MINUTE = 60_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function time(what: () => Promise<unknown>): Promise<number> {
  await what(); // warm
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await what();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

async function main(): Promise<void> {
  const pg = await startPostgresServer();
  const database = createDatabase(pg.url, { max: 2 });
  try {
    await runMigrations(database);
    const sql = database.sql;
    const [row] = await sql<{ id: string }[]>`
      insert into series (tenant_id, profile_id, measure, dims, dims_key) values ('bench', 'bench', 'v', '{}', '')
      returning id`;
    const id = Number(row?.id);
    await ensurePartitions(sql, yearsBetween(START, START + POINTS * MINUTE));
    const copy = await sql`copy observations (series_id, ts, value) from stdin`.writable();
    const done = new Promise<void>((resolve, reject) => {
      copy.once("finish", resolve);
      copy.once("error", reject);
    });
    for (let i = 0; i < POINTS; i += 10_000) {
      let chunk = "";
      for (let j = i; j < Math.min(POINTS, i + 10_000); j++) {
        chunk += `${id}\t${new Date(START + j * MINUTE).toISOString()}\t${Math.sin(j / 1440) * 10 + (j % 97)}\n`;
      }
      if (!copy.write(chunk)) await new Promise((r) => copy.once("drain", r));
    }
    copy.end();
    await done;
    await sql`update series set first_ts = ${new Date(START).toISOString()}::timestamptz,
      last_ts = ${new Date(START + (POINTS - 1) * MINUTE).toISOString()}::timestamptz, obs_count = ${POINTS} where id = ${id}`;
    await sql`update series set rollup_from = first_ts where id = ${id}`;
    const started = performance.now();
    await refreshAllRollups(sql);
    const rollupMs = performance.now() - started;
    await sql`vacuum analyze observations`;
    await sql`vacuum analyze observation_rollups`;
    const series = await getSeries(sql, "bench", id);
    if (!series) throw new Error("series missing");
    const query = (q: Record<string, unknown>) =>
      getObservations(sql, "bench", ObservationsQuerySchema.parse({ seriesId: id, ...q }), series);

    const bucketMinutes = Math.ceil(POINTS / 1000);
    // The same ~1,000 buckets in whole hours, which the hourly rollups answer.
    const bucketHours = Math.ceil(POINTS / 60 / 1000);
    if (args.explain) {
      await sql.unsafe("set work_mem = '64MB'");
      await sql.unsafe("set jit = off");
      const plan =
        await sql.unsafe(`explain (analyze, buffers) select date_bin('${bucketMinutes} minutes'::interval, o.ts, '1970-01-01T00:00:00Z'::timestamptz) as ts, avg(o.value)
        from observations o join series s on s.id = o.series_id and s.tenant_id = 'bench' where o.series_id = ${id} group by 1 order by 1`);
      for (const line of plan) console.log(Object.values(line)[0]);
    }
    const middle = new Date(START + Math.floor(POINTS / 2) * MINUTE);
    const rangeEnd = new Date(middle.getTime() + 10_000 * MINUTE);
    const resampled = await query({ interval: `${bucketMinutes}m`, limit: 100_000 });
    const fromRollups = await query({ interval: `${bucketHours}h`, limit: 100_000 });
    const downsampled = await query({ maxPoints: 1000 });
    const raw = await query({ from: middle.toISOString(), to: rangeEnd.toISOString() });

    const results = [
      {
        query: "count(*) of every point (baseline scan)",
        points: POINTS,
        ms: await time(() => sql`select count(*) from observations where series_id = ${id}`),
        target: "",
      },
      {
        query: `resample into ${fromRollups.length} buckets (${bucketHours}h, avg; hourly rollups)`,
        points: fromRollups.length,
        ms: await time(() => query({ interval: `${bucketHours}h`, limit: 100_000 })),
        target: "< 150 ms",
      },
      {
        query: `resample into ${resampled.length} buckets (${bucketMinutes}m, avg; every point)`,
        points: resampled.length,
        ms: await time(() => query({ interval: `${bucketMinutes}m`, limit: 100_000 })),
        target: "",
      },
      {
        query: "downsample to ≤ 1,000 points (min/max per bucket)",
        points: downsampled.length,
        ms: await time(() => query({ maxPoints: 1000 })),
        target: "",
      },
      {
        query: "raw range of 10,000 points",
        points: raw.length,
        ms: await time(() => query({ from: middle.toISOString(), to: rangeEnd.toISOString() })),
        target: "< 50 ms",
      },
    ];
    console.log(
      `bench/query: ${POINTS.toLocaleString("en-US")} points in one series, median of ${RUNS} runs`,
    );
    console.table(results.map((r) => ({ ...r, ms: r.ms.toFixed(1) })));
    console.log(`building the hourly rollups of the whole series took ${rollupMs.toFixed(0)} ms`);
  } finally {
    await database.close();
    await pg.stop();
  }
}

await main();
