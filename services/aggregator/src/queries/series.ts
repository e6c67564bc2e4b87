/** @module Read side of the store: the series catalog and observation ranges, tenant-scoped. */
import type { Observation, ObservationsQuery, Page, Series, SeriesQuery } from "@chartly/contracts";
import type { PendingQuery, Row, Sql } from "postgres";
import { FrequencyCache, inferFrequency } from "./frequency.js";

type Fragment = PendingQuery<Row[]>;

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

/** `%` and `_` in user text match themselves. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listSeries(sql: Sql, tenant: string, query: SeriesQuery): Promise<Page<Series>> {
  const where = sql`
    where tenant_id = ${tenant}
    ${query.profile ? sql`and profile_id = ${query.profile}` : sql``}
    ${query.measure ? sql`and measure = ${query.measure}` : sql``}
    ${Object.keys(query.dims).length > 0 ? sql`and dims @> ${JSON.stringify(query.dims)}::text::jsonb` : sql``}
    ${
      query.q
        ? sql`and (profile_id ilike ${likePattern(query.q)} or measure ilike ${likePattern(query.q)}
               or coalesce(unit, '') ilike ${likePattern(query.q)}
               or exists (select 1 from jsonb_each_text(dims) d where d.value ilike ${likePattern(query.q)}))`
        : sql``
    }`;
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

export async function getSeries(
  sql: Sql,
  tenant: string,
  id: number,
  options: SeriesReadOptions = {},
): Promise<Series | undefined> {
  return (await getSeriesMany(sql, tenant, [id], options)).get(id);
}

export interface SeriesReadOptions {
  /** Infer each series' frequency from its latest points. */
  withFrequency?: boolean;
  /** Frequencies inferred before, reused while their series is unchanged. */
  frequencies?: FrequencyCache;
}

/**
 * Many series of one tenant by id (callers batched together); ids the tenant does not have are
 * missing from the map. One query, and a second for the latest points of series whose frequency
 * is not cached.
 */
export async function getSeriesMany(
  sql: Sql,
  tenant: string,
  ids: number[],
  options: SeriesReadOptions = {},
): Promise<Map<number, Series>> {
  const { withFrequency, frequencies } = options;
  const byIds = ids.length === 1 ? sql`id = ${ids[0] as number}` : sql`id = any(${ids}::bigint[])`;
  const rows = await sql<(SeriesRow & { latest: string[] | null })[]>`
    select id, profile_id, measure, dims, unit, first_ts, last_ts, obs_count,
      ${withFrequency && !frequencies ? LATEST(sql) : sql`null`} as latest
    from series s
    where tenant_id = ${tenant} and ${byIds}`;
  const found = new Map<number, Series>();
  const uncached: number[] = [];
  for (const row of rows) {
    const series = toSeries(row);
    found.set(series.id, series);
    if (!withFrequency) continue;
    if (!frequencies) {
      series.frequency = inferFrequency((row.latest ?? []).map(Number));
      continue;
    }
    const known = frequencies.get(
      series.id,
      FrequencyCache.version(row.first_ts, row.last_ts, row.obs_count),
    );
    if (known === undefined) uncached.push(series.id);
    else series.frequency = known;
  }
  if (uncached.length > 0 && frequencies) {
    // Cached under the version this statement saw, so a series changed since the first is
    // recomputed next time rather than cached stale.
    const latest = await sql<
      { id: string; first_ts: Date | null; last_ts: Date | null; obs_count: string; latest: string[] }[]
    >`select id, first_ts, last_ts, obs_count, ${LATEST(sql)} as latest
      from series s where tenant_id = ${tenant} and id = any(${uncached}::bigint[])`;
    for (const row of latest) {
      const frequency = inferFrequency(row.latest.map(Number));
      frequencies.set(
        Number(row.id),
        FrequencyCache.version(row.first_ts, row.last_ts, row.obs_count),
        frequency,
      );
      const series = found.get(Number(row.id));
      if (series) series.frequency = frequency;
    }
  }
  return found;
}

/** The times of a series' latest 101 points (for its frequency), newest first, in epoch ms. */
const LATEST = (sql: Sql) =>
  sql`array(select (extract(epoch from o.ts) * 1000)::bigint from observations o
            where o.series_id = s.id order by o.ts desc limit 101)`;

const CALENDAR_UNITS = { mo: "month", q: "quarter", y: "year" } as const;
const FIXED_UNITS = { s: "seconds", m: "minutes", h: "hours", d: "days", w: "weeks" } as const;

/** SQL aggregate for a bucket; first/last via an ordered array so they are exact. */
function aggregateSql(sql: Sql, agg: ObservationsQuery["agg"]) {
  switch (agg) {
    case "avg":
      return sql`avg(o.value)`;
    case "sum":
      return sql`sum(o.value)`;
    case "min":
      return sql`min(o.value)`;
    case "max":
      return sql`max(o.value)`;
    case "count":
      return sql`count(o.value)::float8`;
    case "first":
      return sql`(array_agg(o.value order by o.ts))[1]`;
    case "last":
      return sql`(array_agg(o.value order by o.ts desc))[1]`;
  }
}

/**
 * Whether hourly rollups answer this query exactly: whole-hour buckets (or calendar ones) over a
 * range whose ends fall on hours.
 */
export function rollupsServe(query: ObservationsQuery): boolean {
  const onHour = (iso: string | undefined) => iso === undefined || Date.parse(iso) % 3_600_000 === 0;
  if (!query.interval || !onHour(query.from) || !onHour(query.to)) return false;
  if (/^1(mo|q|y)$/.test(query.interval)) return true;
  const [, amount, unit] = /^(\d+)(s|m|h|d|w)$/.exec(query.interval) ?? [];
  const seconds = Number(amount) * { s: 1, m: 60, h: 3_600, d: 86_400, w: 604_800 }[unit as "s"];
  return seconds > 0 && seconds % 3_600 === 0;
}

/** The same aggregates computed from hourly summaries. */
function rollupAggregateSql(sql: Sql, agg: ObservationsQuery["agg"]) {
  switch (agg) {
    case "avg":
      return sql`sum(o.total) / nullif(sum(o.n), 0)`;
    case "sum":
      return sql`sum(o.total)`;
    case "min":
      return sql`min(o.lo)`;
    case "max":
      return sql`max(o.hi)`;
    case "count":
      return sql`sum(o.n)::float8`;
    case "first":
      return sql`(array_agg(o.first_value order by o.first_ts))[1]`;
    case "last":
      return sql`(array_agg(o.last_value order by o.last_ts desc))[1]`;
  }
}

function bucketSql(sql: Sql, interval: string, ts: Fragment) {
  const calendar = /^1(mo|q|y)$/.exec(interval);
  if (calendar) {
    const unit = CALENDAR_UNITS[calendar[1] as keyof typeof CALENDAR_UNITS];
    return sql`date_trunc(${unit}, ${ts}, 'UTC')`;
  }
  const [, amount, unit] = /^(\d+)(s|m|h|d|w)$/.exec(interval) as RegExpExecArray;
  const width = `${amount} ${FIXED_UNITS[unit as keyof typeof FIXED_UNITS]}`;
  // Buckets aligned to the Unix epoch (weeks to Monday 1970-01-05), so they never shift.
  const origin = unit === "w" ? "1970-01-05T00:00:00Z" : "1970-01-01T00:00:00Z";
  return sql`date_bin(${width}::interval, ${ts}, ${origin}::timestamptz)`;
}

export async function getObservations(
  sql: Sql,
  tenant: string,
  query: ObservationsQuery,
  range: { firstTs: string | null; lastTs: string | null },
): Promise<Observation[]> {
  // The join on series enforces the tenant: another tenant's series id returns nothing.
  const scope = sql`
    from observations o
    join series s on s.id = o.series_id and s.tenant_id = ${tenant}
    where o.series_id = ${query.seriesId}
      ${query.from ? sql`and o.ts >= ${query.from}::timestamptz` : sql``}
      ${query.to ? sql`and o.ts < ${query.to}::timestamptz` : sql``}`;

  // Whole hours from a series that keeps rollups: rollups before its mark, raw points after it.
  // (A series without rollups is resampled from its points below.)
  const [state] =
    query.interval && rollupsServe(query)
      ? await sql<{ rollups: boolean; rollup_from: Date | null }[]>`
          select rollups, rollup_from from series where id = ${query.seriesId} and tenant_id = ${tenant}`
      : [];
  if (query.interval && state?.rollups) {
    const mark = state.rollup_from?.toISOString() ?? null;
    const rows = await sql<{ ts: Date; value: number | null }[]>`
      with hours as (
        select r.bucket as ts, r.n, r.total, r.lo, r.hi, r.first_ts, r.first_value, r.last_ts, r.last_value
        from observation_rollups r
        where r.series_id = ${query.seriesId}
          ${mark ? sql`and r.bucket < date_trunc('hour', ${mark}::timestamptz, 'UTC')` : sql``}
          ${query.from ? sql`and r.bucket >= ${query.from}::timestamptz` : sql``}
          ${query.to ? sql`and r.bucket < ${query.to}::timestamptz` : sql``}
        ${
          mark
            ? sql`union all
        select date_trunc('hour', o.ts, 'UTC'), count(o.value), sum(o.value), min(o.value), max(o.value),
               min(o.ts), (array_agg(o.value order by o.ts))[1], max(o.ts), (array_agg(o.value order by o.ts desc))[1]
        from observations o
        where o.series_id = ${query.seriesId} and o.ts >= date_trunc('hour', ${mark}::timestamptz, 'UTC')
          ${query.from ? sql`and o.ts >= ${query.from}::timestamptz` : sql``}
          ${query.to ? sql`and o.ts < ${query.to}::timestamptz` : sql``}
        group by 1`
            : sql``
        }
      )
      select ${bucketSql(sql, query.interval, sql`o.ts`)} as ts, ${rollupAggregateSql(sql, query.agg)} as value
      from hours o
      group by 1 order by 1 limit ${query.limit}`;
    return rows.map((r) => ({ ts: r.ts.toISOString(), value: r.value }));
  }

  if (query.interval) {
    const rows = await sql<{ ts: Date; value: number | null }[]>`
      select ${bucketSql(sql, query.interval, sql`o.ts`)} as ts, ${aggregateSql(sql, query.agg)} as value
      ${scope}
      group by 1 order by 1 limit ${query.limit}`;
    return rows.map((r) => ({ ts: r.ts.toISOString(), value: r.value }));
  }

  if (query.maxPoints) {
    const from = query.from ? Date.parse(query.from) : range.firstTs ? Date.parse(range.firstTs) : 0;
    const to = query.to ? Date.parse(query.to) : range.lastTs ? Date.parse(range.lastTs) + 1 : 1;
    return downsample(sql, scope, from, Math.max(to, from + 1), query.maxPoints);
  }

  const rows = await sql<{ ts: Date; value: number | null }[]>`
    select o.ts, o.value ${scope} order by o.ts limit ${query.limit}`;
  return rows.map((r) => ({ ts: r.ts.toISOString(), value: r.value }));
}

/**
 * Min/max per bucket with their exact timestamps (one pass, hash aggregation): at most
 * `maxPoints` points that keep every peak and trough of the range, for charts.
 */
async function downsample(
  sql: Sql,
  scope: Fragment,
  fromMs: number,
  toMs: number,
  maxPoints: number,
): Promise<Observation[]> {
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const widthMs = Math.max(1, (toMs - fromMs) / buckets);
  const rows = await sql<{ lo: number[] | null; hi: number[] | null }[]>`
    select min(array[o.value, date_part('epoch', o.ts) * 1000]) as lo,
           max(array[o.value, date_part('epoch', o.ts) * 1000]) as hi
    ${scope} and o.value is not null
    group by floor((date_part('epoch', o.ts) * 1000 - ${fromMs}) / ${widthMs})`;
  const points = new Map<number, number>();
  for (const row of rows) {
    for (const pair of [row.lo, row.hi]) {
      if (pair && pair[0] !== undefined && pair[1] !== undefined)
        points.set(Number(pair[1]), Number(pair[0]));
    }
  }
  return [...points.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ms, value]) => ({ ts: new Date(ms).toISOString(), value }));
}
