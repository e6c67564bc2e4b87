/**
 * @module Forecast runs in Postgres: created, claimed, finished (fenced by the claim, so a replica
 * that lost a job cannot overwrite the one that took it over) and read back with their points.
 * Every read filters by tenant.
 */
import type { ForecastPoint, ForecastRun, ForecastRunsQuery, SeriesForecasts } from "@chartly/contracts";
import type { Sql } from "postgres";

/** What a run is asked to do. */
export interface RunTarget {
  tenant: string;
  seriesId: number;
  specId: string | null;
  trigger: ForecastRun["trigger"];
  slot: string | null;
  model: string;
  horizon: number;
  levels: number[];
}

/** The training data a run used. */
export interface Training {
  from: string;
  to: string;
  points: number;
  marker: string;
}

export interface FitSuccess {
  model: string;
  params: Record<string, unknown>;
  backtest: unknown;
  notes: string[];
  period: number;
  frequency: string | null;
  fitMs: number;
  points: { ts: number; value: number; lower: number[]; upper: number[] }[];
}

interface RunRow {
  id: string;
  spec_id: string | null;
  series_id: string;
  trigger: ForecastRun["trigger"];
  slot: Date | null;
  status: ForecastRun["status"];
  requested_model: string;
  model: string | null;
  params: Record<string, unknown> | null;
  horizon: number;
  levels: number[];
  period: number | null;
  frequency: string | null;
  train_from: Date | null;
  train_to: Date | null;
  train_points: number | null;
  backtest: Record<string, unknown> | null;
  notes: string[] | null;
  error_code: string | null;
  error_message: string | null;
  version: number | null;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  fit_ms: number | null;
}

const COLUMNS = `id, spec_id, series_id, trigger, slot, status, requested_model, model, params, horizon,
  levels, period, frequency, train_from, train_to, train_points, backtest, notes, error_code,
  error_message, version, queued_at, started_at, finished_at, fit_ms`;

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toRun = (r: RunRow): ForecastRun => ({
  id: Number(r.id),
  specId: r.spec_id,
  seriesId: Number(r.series_id),
  trigger: r.trigger,
  slot: iso(r.slot),
  status: r.status,
  requestedModel: r.requested_model,
  model: r.model,
  params: r.params,
  horizon: r.horizon,
  levels: r.levels,
  period: r.period,
  frequency: r.frequency,
  trainFrom: iso(r.train_from),
  trainTo: iso(r.train_to),
  trainPoints: r.train_points,
  backtest: r.backtest,
  notes: r.notes ?? [],
  error: r.error_code ? { code: r.error_code, message: r.error_message ?? "" } : null,
  version: r.version,
  queuedAt: r.queued_at.toISOString(),
  startedAt: iso(r.started_at),
  finishedAt: iso(r.finished_at),
  fitMs: r.fit_ms,
});

/** A run taken on at once (an on-demand forecast): created `running` under `claim`. */
export async function startRun(sql: Sql, target: RunTarget, claim: string): Promise<number> {
  const [row] = await sql<{ id: string }[]>`
    insert into forecast_runs (tenant_id, spec_id, series_id, trigger, slot, status, requested_model,
      horizon, levels, started_at, instance)
    values (${target.tenant}, ${target.specId}, ${target.seriesId}, ${target.trigger},
      ${target.slot}::timestamptz, 'running', ${target.model}, ${target.horizon},
      ${JSON.stringify(target.levels)}::text::jsonb, now(), ${claim})
    returning id`;
  return Number(row?.id);
}

/**
 * Claims the run of a queued job (spec, series, slot), creating it on first delivery. A run
 * another replica holds is taken over only on a redelivery (that replica lost the job's lease);
 * a finished one is not claimed again. Undefined when there is nothing to do.
 */
export async function claimJobRun(
  sql: Sql,
  target: RunTarget,
  claim: string,
  redelivered: boolean,
): Promise<number | undefined> {
  await sql`
    insert into forecast_runs (tenant_id, spec_id, series_id, trigger, slot, status, requested_model,
      horizon, levels)
    values (${target.tenant}, ${target.specId}, ${target.seriesId}, ${target.trigger},
      ${target.slot}::timestamptz, 'queued', ${target.model}, ${target.horizon},
      ${JSON.stringify(target.levels)}::text::jsonb)
    on conflict (spec_id, series_id, slot) do nothing`;
  const [row] = await sql<{ id: string }[]>`
    update forecast_runs set status = 'running', started_at = now(), instance = ${claim},
      requested_model = ${target.model}, horizon = ${target.horizon},
      levels = ${JSON.stringify(target.levels)}::text::jsonb
    where tenant_id = ${target.tenant} and spec_id = ${target.specId} and series_id = ${target.seriesId}
      and slot = ${target.slot}::timestamptz
      and (status = 'queued' or (status = 'running' and ${redelivered}))
    returning id`;
  return row ? Number(row.id) : undefined;
}

/**
 * What the latest verdict on a spec's data for a series was: its last succeeded run, or its
 * last run failed as `too_short` (too few points, which more fits of the same data would
 * repeat), with that run's data marker (null when the series had no points). Undefined when
 * there is none, or when it was fitted with other settings than `target` asks for (model,
 * horizon, levels), so a spec whose settings changed is fitted again even on the same data.
 */
export async function lastVerdict(
  sql: Sql,
  target: RunTarget,
): Promise<{ marker: string | null; tooShort: boolean } | undefined> {
  const [row] = await sql<{ data_marker: string | null; status: string; same: boolean }[]>`
    select data_marker, status,
      requested_model = ${target.model} and horizon = ${target.horizon}
        and levels = ${JSON.stringify(target.levels)}::text::jsonb as same
    from forecast_runs
    where spec_id = ${target.specId} and series_id = ${target.seriesId}
      and (status = 'succeeded' or (status = 'failed' and error_code = 'too_short'))
    order by id desc limit 1`;
  if (!row?.same) return undefined;
  return { marker: row.data_marker, tooShort: row.status === "failed" };
}

const trainingColumns = (sql: Sql, training: Training | undefined) =>
  training
    ? sql`, train_from = ${training.from}::timestamptz, train_to = ${training.to}::timestamptz,
        train_points = ${training.points}, data_marker = ${training.marker}`
    : sql``;

export async function finishSkipped(
  sql: Sql,
  id: number,
  claim: string,
  training: Training | undefined,
  note: string,
): Promise<boolean> {
  const rows = await sql`
    update forecast_runs set status = 'skipped', finished_at = now(),
      notes = ${JSON.stringify([note])}::text::jsonb ${trainingColumns(sql, training)}
    where id = ${id} and instance = ${claim} and status = 'running'`;
  return rows.count === 1;
}

export async function finishFailed(
  sql: Sql,
  id: number,
  claim: string,
  error: { code: string; message: string },
  training?: Training,
  fitMs?: number,
): Promise<boolean> {
  const rows = await sql`
    update forecast_runs set status = 'failed', finished_at = now(), error_code = ${error.code},
      error_message = ${error.message}, fit_ms = ${fitMs ?? null} ${trainingColumns(sql, training)}
    where id = ${id} and instance = ${claim} and status = 'running'`;
  return rows.count === 1;
}

/**
 * Stores a fit: the run becomes `succeeded` with the series' next version, and its points are
 * written, in one transaction. False when the claim was lost (another replica took the job over).
 */
export async function finishSucceeded(
  sql: Sql,
  id: number,
  claim: string,
  seriesId: number,
  training: Training,
  fit: FitSuccess,
): Promise<boolean> {
  return sql.begin(async (tx) => {
    // Versions are numbered per series: one writer at a time per series.
    await tx`select pg_advisory_xact_lock(${VERSION_LOCK}, ${seriesId % 2_147_483_647})`;
    const updated = await tx`
      update forecast_runs set status = 'succeeded', finished_at = now(), model = ${fit.model},
        params = ${JSON.stringify(fit.params)}::text::jsonb,
        backtest = ${fit.backtest === undefined ? null : JSON.stringify(fit.backtest)}::text::jsonb,
        notes = ${JSON.stringify(fit.notes)}::text::jsonb, period = ${fit.period},
        frequency = ${fit.frequency}, fit_ms = ${fit.fitMs},
        version = (select coalesce(max(version), 0) + 1 from forecast_runs where series_id = ${seriesId})
        ${trainingColumns(tx as unknown as Sql, training)}
      where id = ${id} and instance = ${claim} and status = 'running'`;
    if (updated.count !== 1) return false;
    const points = fit.points.map((p, i) => ({
      step: i + 1,
      ts: new Date(p.ts).toISOString(),
      value: p.value,
      lower: p.lower,
      upper: p.upper,
    }));
    await tx`
      insert into forecast_points (run_id, step, ts, value, lower, upper)
      select ${id}, p.step, p.ts, p.value,
        array(select x::float8 from jsonb_array_elements_text(p.lower) with ordinality e(x, i) order by i),
        array(select x::float8 from jsonb_array_elements_text(p.upper) with ordinality e(x, i) order by i)
      from jsonb_to_recordset(${JSON.stringify(points)}::text::jsonb)
        as p(step int, ts timestamptz, value float8, lower jsonb, upper jsonb)`;
    return true;
  });
}

const VERSION_LOCK = 7_358_204;

/**
 * Deletes `skipped` runs that finished more than `olderThanMs` ago: a recurring spec records one
 * per slot without new data, and they say nothing once the next fit is there. Answers how many.
 */
export async function pruneSkippedRuns(sql: Sql, olderThanMs: number): Promise<number> {
  const rows = await sql`
    delete from forecast_runs
    where status = 'skipped' and finished_at < now() - ${olderThanMs} * interval '1 millisecond'`;
  return rows.count;
}

/**
 * Deletes finished runs (succeeded or failed) beyond the newest `keep` of each series and spec
 * (on-demand runs of a series count as one spec), with their points, at most `batch` in one
 * statement. The newest succeeded run of each series and spec stays whatever its age: it is
 * the forecast the series shows, and what tells a recurring spec that nothing changed since.
 * Answers how many.
 */
export async function pruneFinishedRuns(sql: Sql, keep: number, batch = PRUNE_BATCH): Promise<number> {
  // One replica at a time; another finds the lock taken and leaves the work to it.
  return sql.begin(async (tx) => {
    const [lock] = await tx<{ held: boolean }[]>`select pg_try_advisory_xact_lock(${PRUNE_LOCK}) as held`;
    if (!lock?.held) return 0;
    // The newest succeeded run is the one with the highest version (what the series shows),
    // which is not always the highest id when fits overlap.
    const rows = await tx`
      delete from forecast_runs where id in (
        select id from (
          select id, status,
            row_number() over (partition by series_id, spec_id order by id desc) as newest,
            row_number() over (partition by series_id, spec_id, status order by version desc nulls last, id desc)
              as newest_of_status
          from forecast_runs
          where status in ('succeeded', 'failed')
        ) ranked
        where newest > ${keep} and not (status = 'succeeded' and newest_of_status = 1)
        limit ${batch})`;
    return rows.count;
  });
}

const PRUNE_LOCK = 7_358_206;
const PRUNE_BATCH = 5_000;

/** `pruneFinishedRuns` until a statement finds less than a batch to delete. Answers how many in all. */
export async function pruneAllFinishedRuns(sql: Sql, keep: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await pruneFinishedRuns(sql, keep);
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
  }
}

/**
 * Fails on-demand runs still `running` `olderThanMs` after they started: their fit is bounded by
 * the request deadline, so such a run was abandoned (its replica died, or Postgres failed as the
 * result was stored) and would otherwise show as running for ever. Answers how many.
 */
export async function failAbandonedRequestRuns(sql: Sql, olderThanMs: number): Promise<number> {
  const rows = await sql`
    update forecast_runs set status = 'failed', finished_at = now(), error_code = 'interrupted',
      error_message = 'the replica fitting this forecast stopped before storing it; ask again'
    where trigger = 'request' and status = 'running'
      and started_at < now() - ${olderThanMs} * interval '1 millisecond'`;
  return rows.count;
}

async function pointsOf(sql: Sql, run: ForecastRun): Promise<ForecastPoint[]> {
  const rows = await sql<{ ts: Date; value: number; lower: number[]; upper: number[] }[]>`
    select ts, value, lower, upper from forecast_points where run_id = ${run.id} order by step`;
  return rows.map((r) => ({
    ts: r.ts.toISOString(),
    value: r.value,
    intervals: Object.fromEntries(
      run.levels.map((level, i) => [
        String(level),
        { lower: r.lower[i] as number, upper: r.upper[i] as number },
      ]),
    ),
  }));
}

/** One run of the tenant, with its points. */
export async function getRun(sql: Sql, tenant: string, id: number): Promise<ForecastRun | undefined> {
  const [row] = await sql<RunRow[]>`
    select ${sql.unsafe(COLUMNS)} from forecast_runs where tenant_id = ${tenant} and id = ${id}`;
  if (!row) return undefined;
  const run = toRun(row);
  return { ...run, points: await pointsOf(sql, run) };
}

/** A series' runs, newest first, and its latest succeeded run with points; undefined when the tenant has no such series. */
export async function listRuns(
  sql: Sql,
  tenant: string,
  query: ForecastRunsQuery,
): Promise<SeriesForecasts | undefined> {
  const [series] = await sql`select 1 from series where tenant_id = ${tenant} and id = ${query.seriesId}`;
  if (!series) return undefined;
  const where = sql`where tenant_id = ${tenant} and series_id = ${query.seriesId}
    ${query.status ? sql`and status = ${query.status}` : sql``}
    ${query.specId ? sql`and spec_id = ${query.specId}` : sql``}`;
  const rows = await sql<RunRow[]>`
    select ${sql.unsafe(COLUMNS)} from forecast_runs ${where}
    order by id desc limit ${query.limit} offset ${query.offset}`;
  const [count] = await sql<{ n: string }[]>`select count(*) as n from forecast_runs ${where}`;
  const [latest] = await sql<RunRow[]>`
    select ${sql.unsafe(COLUMNS)} from forecast_runs
    where tenant_id = ${tenant} and series_id = ${query.seriesId} and status = 'succeeded'
      ${query.specId ? sql`and spec_id = ${query.specId}` : sql``}
    order by version desc limit 1`;
  const latestRun = latest ? toRun(latest) : undefined;
  return {
    latest: latestRun ? { ...latestRun, points: await pointsOf(sql, latestRun) } : null,
    items: rows.map(toRun),
    limit: query.limit,
    offset: query.offset,
    total: Number(count?.n ?? 0),
  };
}
