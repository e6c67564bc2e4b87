/**
 * @module Retention: points older than their profile's `retention` are removed. A yearly
 * partition is dropped whole when every profile with points in it wants them gone (cheap, and
 * the space comes back at once); otherwise the old points of each profile are deleted.
 */
import type { Sql, TransactionSql } from "postgres";
import { existingYears, forgetPartitions, partitionName } from "../ingest/partitions.js";

export interface RetentionPolicy {
  tenant: string;
  profileId: string;
  /** Keep points this recent; undefined keeps them forever. */
  retentionMs: number | undefined;
}

export interface RetentionReport {
  droppedPartitions: string[];
  deletedPoints: number;
}

export async function enforceRetention(
  sql: Sql,
  policies: RetentionPolicy[],
  defaultRetentionMs: number | undefined,
  now = Date.now(),
): Promise<RetentionReport> {
  const report: RetentionReport = { droppedPartitions: [], deletedPoints: 0 };
  const cutoffs = new Map<string, number>();
  for (const p of policies) {
    const keep = p.retentionMs ?? defaultRetentionMs;
    if (keep !== undefined) cutoffs.set(`${p.tenant}\u0000${p.profileId}`, now - keep);
  }
  const owners = await sql<{ tenant_id: string; profile_id: string }[]>`
    select distinct tenant_id, profile_id from series`;
  // A profile without a policy (or no longer known) keeps its points, unless there is a default.
  const cutoffOf = (tenant: string, profile: string) =>
    cutoffs.get(`${tenant}\u0000${profile}`) ??
    (defaultRetentionMs !== undefined ? now - defaultRetentionMs : Number.NEGATIVE_INFINITY);

  // Whole partitions first: a year can go when every owner of series in it cuts off after its end.
  for (const year of [...(await existingYears(sql))].sort((a, b) => a - b)) {
    const end = Date.UTC(year + 1, 0, 1);
    const name = partitionName(year);
    const present = await sql<{ tenant_id: string; profile_id: string }[]>`
      select distinct s.tenant_id, s.profile_id from ${sql(name)} o join series s on s.id = o.series_id`;
    if (present.length === 0) continue;
    if (present.every((o) => cutoffOf(o.tenant_id, o.profile_id) >= end)) {
      await sql.begin(async (tx) => {
        const ids = await tx<{ id: string }[]>`select distinct series_id as id from ${tx(name)}`;
        await tx`alter table observations detach partition ${tx(name)}`;
        await tx`drop table ${tx(name)}`;
        await settleSeries(
          tx,
          ids.map((row) => Number(row.id)),
        );
      });
      report.droppedPartitions.push(name);
    }
  }
  if (report.droppedPartitions.length > 0) forgetPartitions(sql);

  // Then the remaining old points, profile by profile; each profile's series are settled in the
  // same transaction as its delete, so a job stopped half-way leaves no series whose count and
  // range (the version its cached frequency is kept under) disagree with its points.
  for (const owner of owners) {
    const cutoff = cutoffOf(owner.tenant_id, owner.profile_id);
    if (!Number.isFinite(cutoff)) continue;
    report.deletedPoints += await sql.begin(async (tx) => {
      const deleted = await tx<{ id: string; n: string }[]>`
        with gone as (
          delete from observations o using series s
          where s.id = o.series_id and s.tenant_id = ${owner.tenant_id} and s.profile_id = ${owner.profile_id}
            and o.ts < ${new Date(cutoff).toISOString()}::timestamptz
          returning o.series_id
        )
        select series_id as id, count(*) as n from gone group by series_id`;
      await settleSeries(
        tx,
        deleted.map((row) => Number(row.id)),
      );
      return deleted.reduce((sum, row) => sum + Number(row.n), 0);
    });
  }
  return report;
}

/**
 * Counts and ranges of series that lost points, from what is left; rollups before the first
 * remaining point go (its hour is recomputed by the refresher).
 */
async function settleSeries(tx: TransactionSql, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx`
    update series s set
      obs_count = (select count(*) from observations o where o.series_id = s.id),
      first_ts = (select min(ts) from observations o where o.series_id = s.id),
      last_ts = (select max(ts) from observations o where o.series_id = s.id)
    where s.id = any(${ids}::bigint[])`;
  await tx`
    delete from observation_rollups r using series s
    where s.id = r.series_id and s.id = any(${ids}::bigint[])
      and (s.first_ts is null or r.bucket < date_trunc('hour', s.first_ts, 'UTC'))`;
  await tx`
    update series set rollup_from = least(rollup_from, first_ts)
    where id = any(${ids}::bigint[]) and first_ts is not null`;
}
