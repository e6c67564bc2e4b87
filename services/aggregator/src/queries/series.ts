/** @module Read side of the store: the series catalog and observation ranges, tenant-scoped. */
import type { Observation, ObservationsQuery, Page, Series, SeriesQuery } from "@chartly/contracts";
import type { Sql } from "postgres";

interface SeriesRow {
  id: string;
  profile_id: string;
  measure: string;
  dims: Record<string, string>;
  unit: string | null;
  first_ts: Date | null;
  last_ts: Date | null;
  obs_count: string;
}

const toSeries = (r: SeriesRow): Series => ({
  id: Number(r.id),
  profileId: r.profile_id,
  measure: r.measure,
  dims: r.dims,
  unit: r.unit,
  firstTs: r.first_ts?.toISOString() ?? null,
  lastTs: r.last_ts?.toISOString() ?? null,
  count: Number(r.obs_count),
});

export async function listSeries(sql: Sql, tenant: string, query: SeriesQuery): Promise<Page<Series>> {
  const where = sql`
    where tenant_id = ${tenant}
    ${query.profile ? sql`and profile_id = ${query.profile}` : sql``}
    ${query.measure ? sql`and measure = ${query.measure}` : sql``}`;
  const rows = await sql<SeriesRow[]>`
    select id, profile_id, measure, dims, unit, first_ts, last_ts, obs_count from series ${where}
    order by profile_id, measure, dims_key limit ${query.limit} offset ${query.offset}`;
  const [count] = await sql<{ n: string }[]>`select count(*) as n from series ${where}`;
  return {
    items: rows.map(toSeries),
    limit: query.limit,
    offset: query.offset,
    total: Number(count?.n ?? 0),
  };
}

export async function getSeries(sql: Sql, tenant: string, id: number): Promise<Series | undefined> {
  const [row] = await sql<SeriesRow[]>`
    select id, profile_id, measure, dims, unit, first_ts, last_ts, obs_count from series
    where tenant_id = ${tenant} and id = ${id}`;
  return row ? toSeries(row) : undefined;
}

export async function getObservations(
  sql: Sql,
  tenant: string,
  query: ObservationsQuery,
): Promise<Observation[]> {
  // The join on series enforces the tenant: another tenant's series id returns nothing.
  const rows = await sql<{ ts: Date; value: number | null }[]>`
    select o.ts, o.value from observations o
    join series s on s.id = o.series_id and s.tenant_id = ${tenant}
    where o.series_id = ${query.seriesId}
      ${query.from ? sql`and o.ts >= ${query.from}::timestamptz` : sql``}
      ${query.to ? sql`and o.ts < ${query.to}::timestamptz` : sql``}
    order by o.ts
    limit ${query.limit}`;
  return rows.map((r) => ({ ts: r.ts.toISOString(), value: r.value }));
}
