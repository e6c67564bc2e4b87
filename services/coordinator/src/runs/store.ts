/**
 * @module Runs in Postgres as the coordinator creates, decides and lists them. Drones' progress
 * (`started`, `finished`) is written by the aggregator from run events; every change made here is
 * guarded by status and attempt, so two coordinators (or a late event) never undo each other.
 */
import type { Run, RunsQuery } from "@chartly/contracts";
import type { Sql } from "postgres";

export interface NewRun {
  id: string;
  tenant: string;
  profileId: string;
  profileVersion: number;
  slot: Date;
  trigger: "schedule" | "manual";
  maxAttempts: number;
}

/** Creates the run once; returns its status and attempts (the existing ones if it was there). */
export async function createRun(
  sql: Sql,
  run: NewRun,
): Promise<{ created: boolean; status: string; attempt: number }> {
  const inserted = await sql<{ status: string; attempt: number }[]>`
    insert into runs (id, tenant_id, profile_id, profile_version, slot, trigger, status, max_attempts)
    values (${run.id}, ${run.tenant}, ${run.profileId}, ${run.profileVersion}, ${run.slot.toISOString()}::timestamptz,
            ${run.trigger}, 'queued', ${run.maxAttempts})
    on conflict (id) do nothing
    returning status, attempt`;
  if (inserted[0]) return { created: true, ...inserted[0] };
  const [existing] = await sql<{ status: string; attempt: number }[]>`
    select status, attempt from runs where id = ${run.id}`;
  return { created: false, status: existing?.status ?? "queued", attempt: existing?.attempt ?? 0 };
}

interface RunRow {
  id: string;
  tenant_id: string;
  profile_id: string;
  profile_version: number | null;
  slot: Date | null;
  trigger: string;
  status: Run["status"];
  attempt: number;
  max_attempts: number;
  next_attempt_at: Date | null;
  drone_id: string | null;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  pages: number;
  bytes: string | number;
  records_out: number;
  records_received: number;
  records_stored: number;
  records_updated: number;
  error_code: string | null;
  error_message: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toRun = (r: RunRow): Run => ({
  id: r.id,
  tenant: r.tenant_id,
  profileId: r.profile_id,
  profileVersion: r.profile_version,
  slot: iso(r.slot),
  trigger: r.trigger,
  status: r.status,
  attempt: r.attempt,
  maxAttempts: r.max_attempts,
  nextAttemptAt: iso(r.next_attempt_at),
  droneId: r.drone_id,
  queuedAt: r.queued_at.toISOString(),
  startedAt: iso(r.started_at),
  finishedAt: iso(r.finished_at),
  pages: r.pages,
  bytes: Number(r.bytes),
  recordsOut: r.records_out,
  recordsReceived: r.records_received,
  recordsStored: r.records_stored,
  recordsUpdated: r.records_updated,
  errorCode: r.error_code,
  errorMessage: r.error_message,
});

export async function listRuns(
  sql: Sql,
  tenant: string,
  query: RunsQuery,
): Promise<{ items: Run[]; total: number }> {
  const where = sql`
    where tenant_id = ${tenant}
    ${query.profile ? sql`and profile_id = ${query.profile}` : sql``}
    ${query.status ? sql`and status = ${query.status}` : sql``}
    ${query.since ? sql`and queued_at >= ${query.since}::timestamptz` : sql``}`;
  const rows = await sql<RunRow[]>`
    select * from runs ${where} order by queued_at desc, id limit ${query.limit} offset ${query.offset}`;
  const [count] = await sql<{ n: string }[]>`select count(*) as n from runs ${where}`;
  return { items: rows.map(toRun), total: Number(count?.n ?? 0) };
}

export async function getRun(sql: Sql, tenant: string, id: string): Promise<Run | undefined> {
  const [row] = await sql<RunRow[]>`select * from runs where tenant_id = ${tenant} and id = ${id}`;
  return row ? toRun(row) : undefined;
}

/**
 * Runs left queued by a crash between creating the row and publishing the first job. Runs
 * queued again later (a retry, a lost drone) already have their job in the stream.
 */
export async function queuedRunsSince(
  sql: Sql,
  since: Date,
): Promise<
  {
    id: string;
    tenant_id: string;
    profile_id: string;
    slot: Date;
    trigger: NewRun["trigger"];
    max_attempts: number;
  }[]
> {
  return sql`
    select id, tenant_id, profile_id, slot, trigger, max_attempts from runs
    where status = 'queued' and attempt = 0 and queued_at >= ${since.toISOString()}::timestamptz
      and slot is not null`;
}

/** A run the coordinator changed, with what its event needs. */
export interface ChangedRun {
  id: string;
  tenant_id: string;
  profile_id: string;
  attempt: number;
  status: string;
  next_attempt_at: Date | null;
  drone_id: string | null;
  error_code: string | null;
  error_message: string | null;
}

/**
 * Decides every failed attempt at once: `retrying` after `base × 2^(attempt−1)` (at most `max`)
 * while attempts are left, `dead` otherwise. The status guard makes the decision a claim, so
 * two coordinators never decide the same attempt twice.
 */
export async function decideFailedRuns(
  sql: Sql,
  backoff: { baseMs: number; maxMs: number },
): Promise<ChangedRun[]> {
  return sql<ChangedRun[]>`
    update runs set
      status = case when attempt < max_attempts then 'retrying' else 'dead' end,
      next_attempt_at = case when attempt < max_attempts
        then now() + least(${backoff.maxMs}::float8, ${backoff.baseMs}::float8 * power(2, greatest(attempt, 1) - 1))
             * interval '1 millisecond'
      end
    where status = 'failed'
    returning id, tenant_id, profile_id, attempt, status, next_attempt_at, drone_id, error_code, error_message`;
}

export interface DueRetry {
  id: string;
  tenant_id: string;
  profile_id: string;
  slot: Date | null;
  trigger: NewRun["trigger"];
  attempt: number;
}

export async function dueRetries(sql: Sql, limit = 500): Promise<DueRetry[]> {
  return sql<DueRetry[]>`
    select id, tenant_id, profile_id, slot, trigger, attempt from runs
    where status = 'retrying' and next_attempt_at <= now()
    order by next_attempt_at limit ${limit}`;
}

/** Marks retries whose next attempt was published as queued again (only if nothing moved them on). */
export async function markRetriesQueued(
  sql: Sql,
  retries: { id: string; attempt: number; profileVersion: number }[],
): Promise<string[]> {
  if (retries.length === 0) return [];
  const rows = await sql<{ id: string }[]>`
    update runs r set status = 'queued', next_attempt_at = null, profile_version = d.version
    from unnest(${retries.map((r) => r.id)}::text[], ${retries.map((r) => r.attempt)}::int[],
                ${retries.map((r) => r.profileVersion)}::int[]) as d(id, attempt, version)
    where r.id = d.id and r.attempt = d.attempt and r.status = 'retrying'
    returning r.id`;
  return rows.map((r) => r.id);
}

/**
 * Running runs whose drone is not alive (silent for the liveness window, or gone) go back to
 * `queued`, saying why: JetStream redelivers their job to another drone when the lease expires.
 */
export async function requeueRunsOfLostDrones(
  sql: Sql,
  aliveDrones: string[],
  livenessMs: number,
): Promise<ChangedRun[]> {
  return sql<ChangedRun[]>`
    update runs set
      status = 'queued',
      error_code = 'drone_lost',
      error_message = 'drone ' || coalesce(drone_id, '?') || ' stopped sending heartbeats during attempt '
        || attempt || '; the job goes to another drone when its lease expires'
    where status = 'running'
      and started_at < now() - ${livenessMs} * interval '1 millisecond'
      and (drone_id is null or not (drone_id = any(${aliveDrones}::text[])))
    returning id, tenant_id, profile_id, attempt, status, next_attempt_at, drone_id, error_code, error_message`;
}

/** Ends a run that can make no more progress (its job will not be delivered again). */
export async function markRunDead(
  sql: Sql,
  runId: string,
  error: { code: string; message: string },
): Promise<ChangedRun | undefined> {
  const [row] = await sql<ChangedRun[]>`
    update runs set status = 'dead', error_code = ${error.code}, error_message = ${error.message},
      next_attempt_at = null, finished_at = coalesce(finished_at, now())
    where id = ${runId} and status in ('queued', 'running', 'failed', 'retrying')
    returning id, tenant_id, profile_id, attempt, status, next_attempt_at, drone_id, error_code, error_message`;
  return row;
}
