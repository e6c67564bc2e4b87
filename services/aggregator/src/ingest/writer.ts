/**
 * @module Writes record batches into Postgres in one transaction: series resolved in bulk
 * (cached), every point streamed with COPY into a per-connection staging table, then merged into
 * `observations` with one statement that also maintains the series' first/last/count and the
 * runs' stored/updated counts. A point already stored with the same value is left alone; a
 * changed value is updated and counted as a revision. Writing the same batches again changes
 * nothing.
 */
import type { RecordBatch } from "@chartly/contracts";
import type { Sql, TransactionSql } from "postgres";
import { dimsKey } from "./dims-key.js";
import { ensurePartitions, forgetPartitions } from "./partitions.js";
import { SeriesCache, type SeriesRef, seriesIdentity } from "./series-cache.js";

export interface WriteResult {
  /** Points received with a numeric value. */
  received: number;
  inserted: number;
  updated: number;
  /** Points received that were already stored with the same value. */
  unchanged: number;
  perRun: Map<string, { received: number; inserted: number; updated: number }>;
  /** Non-numeric records (no measures) written to or changed in `records`. */
  records: number;
}

export interface RecordRow {
  tenant: string;
  profileId: string;
  key: string;
  ts: string;
  data: string;
  runId: string;
}

export interface Point {
  ts: string;
  value: number;
  runId: string;
}

/** COPY text format: backslash, tab, newline and carriage return must be escaped. */
const copyText = (s: string) =>
  /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] as string) : s;
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/** A writer that remembers series ids between writes. */
export function createWriter(sql: Sql): {
  write(batches: RecordBatch[]): Promise<WriteResult>;
  apply(prepared: PreparedWrite): Promise<WriteResult>;
  cache: SeriesCache;
} {
  const cache = new SeriesCache();
  return {
    cache,
    write: (batches) => applyWrite(sql, prepareWrite(batches), cache),
    apply: (prepared) => applyWrite(sql, prepared, cache),
  };
}

export async function writeBatches(
  sql: Sql,
  batches: RecordBatch[],
  cache: SeriesCache = new SeriesCache(),
): Promise<WriteResult> {
  return applyWrite(sql, prepareWrite(batches), cache);
}

/**
 * Record batches gathered for one transaction: points by series and time (the last value wins
 * within one write, as it would across two writes), non-numeric records by key, and everything
 * the write touches, so that writes touching the same things can be kept in order.
 */
export interface PreparedWrite {
  /** Series identities and record keys this write changes. */
  readonly touches: ReadonlySet<string>;
  readonly refs: Map<string, SeriesRef>;
  readonly points: Map<string, Map<string, Point>>;
  readonly perRun: Map<string, number>;
  readonly recordRows: Map<string, RecordRow>;
  readonly received: number;
  readonly years: Set<number>;
}

export function prepareWrite(batches: RecordBatch[]): PreparedWrite {
  const refs = new Map<string, SeriesRef>();
  const points = new Map<string, Map<string, Point>>();
  const perRun = new Map<string, number>();
  const recordRows = new Map<string, RecordRow>();
  let received = 0;
  const years = new Set<number>();
  for (const batch of batches) {
    let runReceived = perRun.get(batch.runId) ?? 0;
    for (const record of batch.records) {
      if (Object.keys(record.measures).length === 0) {
        recordRows.set(`r\u0000${batch.tenant}\u0000${batch.profileId}\u0000${record.key}`, {
          tenant: batch.tenant,
          profileId: batch.profileId,
          key: record.key,
          ts: record.time,
          data: JSON.stringify({ dims: record.dims, ...(record.attrs ? { attrs: record.attrs } : {}) }),
          runId: batch.runId,
        });
        continue;
      }
      let key: string | undefined;
      for (const measure in record.measures) {
        const value = record.measures[measure];
        if (value === null || value === undefined || !Number.isFinite(value)) continue;
        key ??= dimsKey(record.dims);
        const identity = seriesIdentity(batch.tenant, batch.profileId, measure, key);
        let byTime = points.get(identity);
        if (!byTime) {
          byTime = new Map();
          points.set(identity, byTime);
          if (!refs.has(identity)) {
            refs.set(identity, {
              tenant: batch.tenant,
              profileId: batch.profileId,
              measure,
              dims: record.dims,
              dimsKey: key,
              unit: batch.units[measure] ?? null,
            });
          }
        }
        byTime.set(record.time, { ts: record.time, value, runId: batch.runId });
        runReceived++;
        received++;
      }
      if (key !== undefined) years.add(utcYear(record.time));
    }
    perRun.set(batch.runId, runReceived);
  }
  const touches = new Set<string>(points.keys());
  for (const key of recordRows.keys()) touches.add(key);
  return { touches, refs, points, perRun, recordRows, received, years };
}

/** Serialisation failures and deadlocks between concurrent writes: the transaction is retried. */
const RETRYABLE = new Set(["40001", "40P01"]);

export async function applyWrite(
  sql: Sql,
  prepared: PreparedWrite,
  cache: SeriesCache,
): Promise<WriteResult> {
  const { refs, points, recordRows, received, years } = prepared;
  const perRun: WriteResult["perRun"] = new Map();
  for (const [runId, n] of prepared.perRun) perRun.set(runId, { received: n, inserted: 0, updated: 0 });
  const result: WriteResult = { received, inserted: 0, updated: 0, unchanged: 0, perRun, records: 0 };
  if (received === 0 && recordRows.size === 0) return result;

  await ensurePartitions(sql, years);
  for (let attempt = 1; ; attempt++) {
    const learned = new Map<string, number>();
    try {
      await merge(learned);
      cache.learn(learned);
      break;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // A partition dropped by retention elsewhere: forget what we knew, so the retry recreates it.
      if (code === "23514") forgetPartitions(sql);
      // A series the cache knew is gone (deleted elsewhere): resolve every id afresh next time.
      if (code === "23503") cache.clear();
      if (!(code && RETRYABLE.has(code)) || attempt >= 5) throw error;
      result.inserted = 0;
      result.updated = 0;
      result.records = 0;
      for (const stats of perRun.values()) {
        stats.inserted = 0;
        stats.updated = 0;
      }
    }
  }
  result.unchanged = received - result.inserted - result.updated;
  return result;

  async function merge(learned: Map<string, number>): Promise<void> {
    await sql.begin(async (tx) => {
      if (recordRows.size > 0) result.records = await upsertRecords(tx, [...recordRows.values()]);
      if (received === 0) return;
      const ids = await cache.resolve(tx, refs, learned);
      await stage(tx, points, ids);
      const rows = await tx<{ run_id: string; inserted: string; updated: string }[]>`
      with written as (
        insert into observations as o (series_id, ts, value, run_id)
        select series_id, ts, value, run_id from observation_stage
        on conflict (series_id, ts) do update
          set value = excluded.value, run_id = excluded.run_id, ingested_at = now(),
              revisions = o.revisions + 1
          where o.value is distinct from excluded.value
        -- xmax is not available on a partitioned table; an update always increments revisions.
        returning o.series_id, o.ts, o.run_id, (o.revisions = 0) as inserted
      ), series_stats as (
        update series s set
          first_ts = least(s.first_ts, w.first_ts),
          last_ts = greatest(s.last_ts, w.last_ts),
          obs_count = s.obs_count + w.new_points,
          rollup_from = least(s.rollup_from, w.first_ts)
        from (
          select series_id, min(ts) as first_ts, max(ts) as last_ts,
                 count(*) filter (where inserted) as new_points
          from written group by series_id
        ) w
        where s.id = w.series_id
      ), per_run as (
        select run_id, count(*) filter (where inserted) as inserted, count(*) filter (where not inserted) as updated
        from written group by run_id
      ), run_stats as (
        update runs r set
          records_received = r.records_received + c.received,
          records_stored = r.records_stored + coalesce(p.inserted, 0),
          records_updated = r.records_updated + coalesce(p.updated, 0)
        from unnest(${[...perRun.keys()]}::text[], ${[...perRun.values()].map((v) => v.received)}::int[])
          as c(id, received)
        left join per_run p on p.run_id = c.id
        where r.id = c.id
      )
      select run_id, inserted, updated from per_run`;
      for (const row of rows) {
        const inserted = Number(row.inserted);
        const updated = Number(row.updated);
        result.inserted += inserted;
        result.updated += updated;
        const stats = perRun.get(row.run_id);
        if (stats) {
          stats.inserted += inserted;
          stats.updated += updated;
        }
      }
    });
  }
}

/** The UTC year of an ISO time; the common `…Z` form needs no date parsing. */
function utcYear(time: string): number {
  return time.endsWith("Z") ? Number(time.slice(0, 4)) : new Date(time).getUTCFullYear();
}

/** Streams every point into the connection's staging table (emptied at commit). */
async function stage(
  tx: TransactionSql,
  points: Map<string, Map<string, Point>>,
  ids: Map<string, number>,
): Promise<void> {
  await tx`
    create temp table if not exists observation_stage
      (series_id bigint, ts timestamptz, value float8, run_id text) on commit delete rows`;
  const copy = await tx`copy observation_stage (series_id, ts, value, run_id) from stdin`.writable();
  const done = new Promise<void>((resolve, reject) => {
    copy.once("finish", resolve);
    copy.once("error", reject);
  });
  let chunk = "";
  for (const [identity, byTime] of points) {
    const id = ids.get(identity);
    if (id === undefined) throw new Error(`series ${identity} was not resolved`);
    for (const point of byTime.values()) {
      chunk += `${id}\t${copyText(point.ts)}\t${point.value}\t${copyText(point.runId)}\n`;
    }
    if (chunk.length > 1 << 16) {
      if (!copy.write(chunk)) await new Promise((r) => copy.once("drain", r));
      chunk = "";
    }
  }
  copy.end(chunk);
  await done;
}

/** Non-numeric records, idempotent on (tenant, profile, key); returns how many changed. */
async function upsertRecords(tx: TransactionSql, rows: RecordRow[]): Promise<number> {
  const written = await tx`
    insert into records as r (tenant_id, profile_id, key, ts, data, run_id)
    select tenant_id, profile_id, key, ts, data::jsonb, run_id from unnest(
      ${rows.map((r) => r.tenant)}::text[],
      ${rows.map((r) => r.profileId)}::text[],
      ${rows.map((r) => r.key)}::text[],
      ${rows.map((r) => r.ts)}::timestamptz[],
      ${rows.map((r) => r.data)}::text[],
      ${rows.map((r) => r.runId)}::text[]
    ) as t(tenant_id, profile_id, key, ts, data, run_id)
    on conflict (tenant_id, profile_id, key) do update
      set ts = excluded.ts, data = excluded.data, run_id = excluded.run_id, ingested_at = now()
      where r.data is distinct from excluded.data or r.ts is distinct from excluded.ts
    returning 1`;
  return written.length;
}
