/**
 * @module Reading a profile's stored incremental cursor for the job that is about to go out. The
 * aggregator writes `cursors` from succeeded runs' `run.finished`; the coordinator only reads it,
 * when it publishes a job, so every attempt starts from the latest high-water mark.
 */
import type { IncrementalSpec } from "@chartly/contracts";
import type { Sql } from "postgres";

/** The stored cursor's canonical text, if one of the profile's cursor type is stored. */
export async function storedCursor(
  sql: Sql,
  tenant: string,
  profileId: string,
  incremental: IncrementalSpec | undefined,
): Promise<string | undefined> {
  if (!incremental) return undefined;
  const rows = await sql<{ value: string }[]>`
    select value from cursors
    where tenant_id = ${tenant} and profile_id = ${profileId} and kind = ${incremental.type}`;
  return rows[0]?.value;
}
