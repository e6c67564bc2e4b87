/**
 * @module Keeps `runs` up to date from run events. Each update is guarded by the attempt so a
 * late event from an older attempt cannot overwrite a newer one, and a `started` that arrives
 * after `finished` does not reopen the run.
 */
import type { RunEvent } from "@chartly/contracts";
import type { Sql } from "postgres";

export async function applyRunEvent(sql: Sql, event: RunEvent): Promise<void> {
  if (event.type === "run.started") {
    await sql`
      insert into runs (id, tenant_id, profile_id, trigger, status, attempt, drone_id, started_at)
      values (${event.runId}, ${event.tenant}, ${event.profileId}, 'manual', 'running', ${event.attempt},
              ${event.droneId}, ${event.at}::timestamptz)
      on conflict (id) do update set
        status = 'running', attempt = excluded.attempt, drone_id = excluded.drone_id,
        started_at = excluded.started_at, finished_at = null, error_code = null, error_message = null
      where runs.attempt < excluded.attempt
         or (runs.attempt = excluded.attempt and runs.status = 'queued')`;
    return;
  }
  await sql`
    insert into runs (id, tenant_id, profile_id, trigger, status, attempt, drone_id, started_at, finished_at,
                      pages, bytes, records_out, skipped, error_code, error_message)
    values (${event.runId}, ${event.tenant}, ${event.profileId}, 'manual', ${event.status}, ${event.attempt},
            ${event.droneId}, ${event.at}::timestamptz, ${event.at}::timestamptz, ${event.stats.pages}, ${event.stats.bytes},
            ${event.stats.recordsOut}, ${sql.json(event.stats.skipped)}, ${event.error?.code ?? null},
            ${event.error?.message ?? null})
    on conflict (id) do update set
      status = excluded.status, attempt = excluded.attempt, drone_id = excluded.drone_id,
      started_at = coalesce(runs.started_at, excluded.started_at), finished_at = excluded.finished_at,
      pages = excluded.pages, bytes = excluded.bytes, records_out = excluded.records_out,
      skipped = excluded.skipped, error_code = excluded.error_code, error_message = excluded.error_message
    where runs.attempt <= excluded.attempt`;
}
