/** @module `profile_schedules`: pauses and schedule overrides, durable and shared by every replica. */
import { type ScheduleSpec, ScheduleSpecSchema } from "@chartly/contracts";
import type { Sql } from "postgres";
import { type ScheduleState, scheduleKey } from "./effective.js";

export interface ScheduleRow {
  tenant_id: string;
  profile_id: string;
  paused: boolean;
  paused_at: Date | null;
  override: unknown;
  updated_at: Date;
  updated_by: string | null;
}

/** An override stored by an older schema that no longer parses is ignored, not fatal. */
const overrideOf = (row: ScheduleRow): ScheduleSpec | null => {
  if (row.override === null || row.override === undefined) return null;
  const parsed = ScheduleSpecSchema.safeParse(row.override);
  return parsed.success ? parsed.data : null;
};

/** Every stored state, keyed by `scheduleKey`: the clock reads them on each tick. */
export async function loadScheduleStates(sql: Sql): Promise<Map<string, ScheduleState>> {
  const rows = await sql<ScheduleRow[]>`select * from profile_schedules`;
  return new Map(
    rows.map((row) => [
      scheduleKey(row.tenant_id, row.profile_id),
      { paused: row.paused, override: overrideOf(row) },
    ]),
  );
}

export interface StoredSchedule extends ScheduleState {
  pausedAt: Date | null;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export async function getScheduleState(sql: Sql, tenant: string, profileId: string): Promise<StoredSchedule> {
  const [row] = await sql<ScheduleRow[]>`
    select * from profile_schedules where tenant_id = ${tenant} and profile_id = ${profileId}`;
  if (!row) return { paused: false, override: null, pausedAt: null, updatedAt: null, updatedBy: null };
  return {
    paused: row.paused,
    override: overrideOf(row),
    pausedAt: row.paused_at,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

export async function setPaused(
  sql: Sql,
  tenant: string,
  profileId: string,
  paused: boolean,
  by: string,
): Promise<void> {
  await sql`
    insert into profile_schedules (tenant_id, profile_id, paused, paused_at, updated_by)
    values (${tenant}, ${profileId}, ${paused}, ${paused ? sql`now()` : null}, ${by || null})
    on conflict (tenant_id, profile_id) do update set
      paused = excluded.paused,
      -- Pausing a paused profile keeps the time it was first paused.
      paused_at = case when excluded.paused then coalesce(profile_schedules.paused_at, now()) end,
      updated_at = now(),
      updated_by = excluded.updated_by`;
}

export async function setOverride(
  sql: Sql,
  tenant: string,
  profileId: string,
  override: ScheduleSpec | null,
  by: string,
): Promise<void> {
  await sql`
    insert into profile_schedules (tenant_id, profile_id, override, updated_by)
    values (${tenant}, ${profileId}, ${override === null ? null : sql.json(override)}, ${by || null})
    on conflict (tenant_id, profile_id) do update set
      override = excluded.override, updated_at = now(), updated_by = excluded.updated_by`;
}
