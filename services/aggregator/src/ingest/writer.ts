/**
 * @module Writes record batches into Postgres in one transaction with set-based SQL: series are
 * resolved in bulk, observations upserted from arrays. A point already stored with the same
 * value is left alone; a changed value is updated and counted as a revision. Writing the same
 * batches again changes nothing.
 */
import type { RecordBatch } from "@chartly/contracts";
import type { Sql, TransactionSql } from "postgres";
import { dimsKey } from "./dims-key.js";

export interface WriteResult {
  inserted: number;
  updated: number;
  /** Points received that were already stored with the same value. */
  unchanged: number;
  perRun: Map<string, { received: number; inserted: number; updated: number }>;
}

interface Point {
  seriesKey: string;
  ts: string;
  value: number;
  runId: string;
}

interface SeriesRef {
  tenant: string;
  profileId: string;
  measure: string;
  dims: Record<string, string>;
  dimsKey: string;
  unit: string | null;
}

export async function writeBatches(sql: Sql, batches: RecordBatch[]): Promise<WriteResult> {
  const series = new Map<string, SeriesRef>();
  // Last value wins within one write, as it would across two writes.
  const points = new Map<string, Point>();
  const perRun: WriteResult["perRun"] = new Map();
  for (const batch of batches) {
    const runStats = perRun.get(batch.runId) ?? { received: 0, inserted: 0, updated: 0 };
    perRun.set(batch.runId, runStats);
    for (const record of batch.records) {
      const key = dimsKey(record.dims);
      for (const [measure, value] of Object.entries(record.measures)) {
        if (value === null || !Number.isFinite(value)) continue;
        const seriesKey = JSON.stringify([batch.tenant, batch.profileId, measure, key]);
        if (!series.has(seriesKey)) {
          series.set(seriesKey, {
            tenant: batch.tenant,
            profileId: batch.profileId,
            measure,
            dims: record.dims,
            dimsKey: key,
            unit: batch.units[measure] ?? null,
          });
        }
        runStats.received++;
        points.set(`${seriesKey}\u0000${record.time}`, {
          seriesKey,
          ts: record.time,
          value,
          runId: batch.runId,
        });
      }
    }
  }
  const result: WriteResult = { inserted: 0, updated: 0, unchanged: 0, perRun };
  if (points.size === 0) return result;

  await sql.begin(async (tx) => {
    const ids = await resolveSeries(tx, [...series.entries()]);
    const list = [...points.values()];
    const rows = await tx<{ run_id: string; inserted: boolean }[]>`
      with input as (
        select * from unnest(
          ${list.map((p) => ids.get(p.seriesKey) as number)}::bigint[],
          ${list.map((p) => p.ts)}::timestamptz[],
          ${list.map((p) => p.value)}::float8[],
          ${list.map((p) => p.runId)}::text[]
        ) as t(series_id, ts, value, run_id)
      ), written as (
        insert into observations as o (series_id, ts, value, run_id)
        select series_id, ts, value, run_id from input
        on conflict (series_id, ts) do update
          set value = excluded.value, run_id = excluded.run_id, ingested_at = now(),
              revisions = o.revisions + 1
          where o.value is distinct from excluded.value
        returning o.series_id, o.ts, o.run_id, (o.xmax = 0) as inserted
      ), stats as (
        update series s set
          first_ts = least(s.first_ts, w.first_ts),
          last_ts = greatest(s.last_ts, w.last_ts),
          obs_count = s.obs_count + w.new_points
        from (
          select series_id, min(ts) as first_ts, max(ts) as last_ts,
                 count(*) filter (where inserted) as new_points
          from written group by series_id
        ) w
        where s.id = w.series_id
      )
      select run_id, inserted from written`;
    for (const row of rows) {
      const stats = perRun.get(row.run_id);
      if (row.inserted) {
        result.inserted++;
        if (stats) stats.inserted++;
      } else {
        result.updated++;
        if (stats) stats.updated++;
      }
    }
    result.unchanged = list.length - rows.length;
    await tx`
      update runs r set
        records_stored = r.records_stored + u.inserted,
        records_updated = r.records_updated + u.updated
      from unnest(
        ${[...perRun.keys()]}::text[],
        ${[...perRun.values()].map((s) => s.inserted)}::int[],
        ${[...perRun.values()].map((s) => s.updated)}::int[]
      ) as u(id, inserted, updated)
      where r.id = u.id and (u.inserted > 0 or u.updated > 0)`;
  });
  return result;
}

/** Ids of every series, creating the missing ones in one statement. */
async function resolveSeries(
  tx: TransactionSql,
  entries: [string, SeriesRef][],
): Promise<Map<string, number>> {
  const refs = entries.map(([, ref]) => ref);
  const rows = await tx<
    { id: string; tenant_id: string; profile_id: string; measure: string; dims_key: string }[]
  >`
    insert into series (tenant_id, profile_id, measure, dims, dims_key, unit)
    select tenant_id, profile_id, measure, dims::jsonb, dims_key, unit from unnest(
      ${refs.map((r) => r.tenant)}::text[],
      ${refs.map((r) => r.profileId)}::text[],
      ${refs.map((r) => r.measure)}::text[],
      ${refs.map((r) => JSON.stringify(r.dims))}::text[],
      ${refs.map((r) => r.dimsKey)}::text[],
      ${refs.map((r) => r.unit)}::text[]
    ) as t(tenant_id, profile_id, measure, dims, dims_key, unit)
    on conflict (tenant_id, profile_id, measure, dims_key)
      do update set unit = coalesce(excluded.unit, series.unit)
    returning id, tenant_id, profile_id, measure, dims_key`;
  const ids = new Map<string, number>();
  for (const row of rows) {
    ids.set(JSON.stringify([row.tenant_id, row.profile_id, row.measure, row.dims_key]), Number(row.id));
  }
  return ids;
}
