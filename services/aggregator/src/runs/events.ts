/**
 * @module Keeps `runs` up to date from the drones' run events. Each update is fenced by the
 * attempt: a late event from an older attempt (a drone whose lease expired and whose job went to
 * another drone) cannot overwrite a newer one, a repeated `finished` cannot undo what the
 * coordinator decided about that attempt (retrying, dead), a `started` that arrives after
 * `finished` does not reopen the run, and nothing reopens a `dead` run. The coordinator's own
 * events (queued, retrying, dead) announce changes it has already written, so they are skipped.
 * A succeeded run's incremental cursor is stored with its `finished` (table `cursors`).
 */
import type { CursorValue, RunEvent } from "@chartly/contracts";
import type { Sql } from "postgres";

export async function applyRunEvent(sql: Sql, event: RunEvent): Promise<void> {
  switch (event.type) {
    case "run.queued":
    case "run.retrying":
    case "run.dead":
      return;
    case "run.started":
      await sql`
        insert into runs (id, tenant_id, profile_id, trigger, status, attempt, drone_id, started_at)
        values (${event.runId}, ${event.tenant}, ${event.profileId}, 'manual', 'running', ${event.attempt},
                ${event.droneId}, ${event.at}::timestamptz)
        on conflict (id) do update set
          status = 'running', attempt = excluded.attempt, drone_id = excluded.drone_id,
          started_at = excluded.started_at, finished_at = null, next_attempt_at = null,
          error_code = null, error_message = null
        where runs.status <> 'dead'
          and (runs.attempt < excluded.attempt
               or (runs.attempt = excluded.attempt and runs.status = 'queued' and runs.started_at is null))`;
      return;
    case "run.finished": {
      // The cursor moves only with the update of the run itself (the same attempt fence), only for
      // a succeeded run, and only forwards.
      const cursor = event.status === "succeeded" ? event.cursor : undefined;
      const position = cursor ? cursorPosition(cursor) : undefined;
      await sql`
        with applied as (
          insert into runs (id, tenant_id, profile_id, trigger, status, attempt, drone_id, started_at, finished_at,
                            pages, bytes, records_out, skipped, error_code, error_message)
          values (${event.runId}, ${event.tenant}, ${event.profileId}, 'manual', ${event.status}, ${event.attempt},
                  ${event.droneId}, ${event.at}::timestamptz, ${event.at}::timestamptz, ${event.stats.pages}, ${event.stats.bytes},
                  ${event.stats.recordsOut}, ${sql.json(event.stats.skipped)}, ${event.error?.code ?? null},
                  ${event.error?.message ?? null})
          on conflict (id) do update set
            status = excluded.status, attempt = excluded.attempt, drone_id = excluded.drone_id,
            started_at = coalesce(runs.started_at, excluded.started_at), finished_at = excluded.finished_at,
            next_attempt_at = null, pages = excluded.pages, bytes = excluded.bytes,
            records_out = excluded.records_out, skipped = excluded.skipped,
            error_code = excluded.error_code, error_message = excluded.error_message
          where runs.status <> 'dead'
            and (runs.attempt < excluded.attempt
                 or (runs.attempt = excluded.attempt and runs.finished_at is null))
          returning id
        )
        insert into cursors (tenant_id, profile_id, kind, value, position, run_id, attempt)
        select ${event.tenant}, ${event.profileId}, ${cursor?.kind ?? null}, ${cursor?.value ?? null},
               ${position ?? null}::numeric, ${event.runId}, ${event.attempt}
        from applied
        where ${position !== undefined}
        on conflict (tenant_id, profile_id) do update set
          kind = excluded.kind, value = excluded.value, position = excluded.position,
          run_id = excluded.run_id, attempt = excluded.attempt, updated_at = now()
        where cursors.kind <> excluded.kind or cursors.position < excluded.position`;
      return;
    }
  }
}

/**
 * What cursors are compared by: epoch milliseconds of a date, the number itself. A number written
 * as plain decimal digits goes to Postgres as written, so an id beyond 2^53 is compared exactly.
 */
function cursorPosition(cursor: CursorValue): string | undefined {
  if (cursor.kind === "number" && PLAIN_DECIMAL.test(cursor.value)) return cursor.value;
  const position = cursor.kind === "date" ? Date.parse(cursor.value) : Number(cursor.value);
  return Number.isFinite(position) ? String(position) : undefined;
}
const PLAIN_DECIMAL = /^-?\d{1,200}(\.\d{1,200})?$/;
