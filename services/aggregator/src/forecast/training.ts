/**
 * @module The data a forecast trains on: the latest points of a series (nulls left out; the
 * forecasting library finds the gaps from the timestamps), and a marker that changes whenever
 * that data does, so a recurring forecast can tell that nothing new arrived.
 */
import type { Sql } from "postgres";
import type { Training } from "./runs-store.js";

export interface TrainingData {
  values: number[];
  timestamps: number[];
  /** Absent when the series has no points. */
  training?: Training;
}

/** Undefined when the tenant has no such series. */
export async function loadTraining(
  sql: Sql,
  tenant: string,
  seriesId: number,
  maxPoints: number,
): Promise<TrainingData | undefined> {
  const [series] = await sql`select id from series where tenant_id = ${tenant} and id = ${seriesId}`;
  if (!series) return undefined;
  // Newest first through the primary key, then reversed: the window is the latest maxPoints.
  const rows = await sql<{ ts: Date; value: number; ingested_at: Date }[]>`
    select ts, value, ingested_at from observations
    where series_id = ${seriesId} and value is not null
    order by ts desc limit ${maxPoints}`;
  rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return { values: [], timestamps: [] };
  let latestWrite = 0;
  for (const row of rows) latestWrite = Math.max(latestWrite, row.ingested_at.getTime());
  const from = first.ts.toISOString();
  const to = last.ts.toISOString();
  return {
    values: rows.map((r) => r.value),
    timestamps: rows.map((r) => r.ts.getTime()),
    training: {
      from,
      to,
      points: rows.length,
      // A new point moves `to` or the count, a revised one the latest write, retention `from`.
      marker: `${from}/${to}#${rows.length}@${new Date(latestWrite).toISOString()}`,
    },
  };
}
