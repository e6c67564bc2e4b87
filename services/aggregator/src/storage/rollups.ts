/**
 * @module Hourly rollups, refreshed behind ingest. The writer marks a series with the earliest
 * point it wrote (`rollup_from`); the refresher recomputes that series' hours from there and
 * clears the mark. It claims series with `for update skip locked`, so it never waits for a
 * writer (a writer may wait for it, briefly) and replicas never refresh the same series at once.
 * Queries use the rollups only for hours before a series' mark, and raw points after it.
 *
 * Only series denser than ROLLUP_MIN_DENSITY points an hour keep rollups (`series.rollups`):
 * for an hourly or sparser series they would hold as many rows as the points themselves, cost
 * as much to write again, and save the queries nothing. A series that becomes dense gets its
 * rollups built from its first point, and keeps them from then on.
 */
import type { Sql } from "postgres";

/** A series keeps rollups once it holds more than this many points per hour on average. */
export const ROLLUP_MIN_DENSITY = 2;

/** Refreshes up to `limit` marked series; returns how many it refreshed. */
export async function refreshRollups(sql: Sql, limit = 200): Promise<number> {
  return sql.begin(async (tx) => {
    // Each claimed series is refreshed from its mark, or from its first point when it has just
    // become dense enough to keep rollups; a series still too sparse only loses its mark.
    const claimed = await tx<{ id: string; from: Date | null }[]>`
      select id,
        case
          when rollups then date_trunc('hour', rollup_from, 'UTC')
          when obs_count > ${ROLLUP_MIN_DENSITY} * greatest(1, extract(epoch from last_ts - first_ts) / 3600)
            then date_trunc('hour', least(first_ts, rollup_from), 'UTC')
        end as from
      from series
      where rollup_from is not null
      order by rollup_from
      limit ${limit}
      for update skip locked`;
    if (claimed.length === 0) return 0;
    const kept = claimed.filter((c) => c.from !== null);
    const ids = kept.map((c) => c.id);
    const froms = kept.map((c) => (c.from as Date).toISOString());
    if (kept.length > 0) {
      await tx`
        delete from observation_rollups r
        using unnest(${ids}::bigint[], ${froms}::timestamptz[]) as c(id, from_hour)
        where r.series_id = c.id and r.bucket >= c.from_hour`;
      await tx`
        insert into observation_rollups
          (series_id, bucket, n, total, lo, hi, first_ts, first_value, last_ts, last_value)
        select o.series_id, date_trunc('hour', o.ts, 'UTC'), count(o.value), sum(o.value), min(o.value), max(o.value),
               min(o.ts), (array_agg(o.value order by o.ts))[1], max(o.ts), (array_agg(o.value order by o.ts desc))[1]
        from unnest(${ids}::bigint[], ${froms}::timestamptz[]) as c(id, from_hour)
        join observations o on o.series_id = c.id and o.ts >= c.from_hour
        group by 1, 2`;
    }
    await tx`
      update series set rollup_from = null, rollups = rollups or id = any(${ids}::bigint[])
      where id = any(${claimed.map((c) => c.id)}::bigint[])`;
    return claimed.length;
  });
}

/** Refreshes until no series is marked (or `maxRounds` is reached). */
export async function refreshAllRollups(sql: Sql, maxRounds = 1_000): Promise<number> {
  let total = 0;
  for (let round = 0; round < maxRounds; round++) {
    const refreshed = await refreshRollups(sql);
    total += refreshed;
    if (refreshed === 0) break;
  }
  return total;
}
