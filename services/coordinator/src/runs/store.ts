/** @module Runs in Postgres as the coordinator creates and lists them. */
import type { Run, RunsQuery } from "@chartly/contracts";
import type { Sql } from "postgres";

export interface NewRun {
  id: string;
  tenant: string;
  profileId: string;
  profileVersion: number;
  slot: Date;
  trigger: "schedule" | "manual";
}

/** Creates the run once; returns its status (the existing one if it was already there). */
export async function createRun(sql: Sql, run: NewRun): Promise<{ created: boolean; status: string }> {
  const inserted = await sql<{ status: string }[]>`
    insert into runs (id, tenant_id, profile_id, profile_version, slot, trigger, status)
    values (${run.id}, ${run.tenant}, ${run.profileId}, ${run.profileVersion}, ${run.slot.toISOString()}::timestamptz, ${run.trigger}, 'queued')
    on conflict (id) do nothing
    returning status`;
  if (inserted[0]) return { created: true, status: inserted[0].status };
  const [existing] = await sql<{ status: string }[]>`select status from runs where id = ${run.id}`;
  return { created: false, status: existing?.status ?? "queued" };
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
  drone_id: string | null;
  queued_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  pages: number;
  bytes: string | number;
  records_out: number;
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
  droneId: r.drone_id,
  queuedAt: r.queued_at.toISOString(),
  startedAt: iso(r.started_at),
  finishedAt: iso(r.finished_at),
  pages: r.pages,
  bytes: Number(r.bytes),
  recordsOut: r.records_out,
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

/** Runs left queued by a crash between creating the row and publishing the job. */
export async function queuedRunsSince(
  sql: Sql,
  since: Date,
): Promise<{ id: string; tenant_id: string; profile_id: string; slot: Date; trigger: NewRun["trigger"] }[]> {
  return sql`
    select id, tenant_id, profile_id, slot, trigger from runs
    where status = 'queued' and queued_at >= ${since.toISOString()}::timestamptz and slot is not null`;
}
