/**
 * @module Yearly (UTC) range partitions of `observations`, created on demand before a write that
 * needs them. Creation is serialised by an advisory lock so replicas never race on the DDL, and
 * the years known to exist are remembered.
 */
import type { Sql } from "postgres";

const LOCK = 7_358_202;
const known = new WeakMap<Sql, Set<number>>();

export const partitionName = (year: number): string => `observations_y${String(year).padStart(4, "0")}`;

/** Every UTC year from one instant to another, inclusive. */
export function yearsBetween(fromMs: number, toMs: number): number[] {
  const years: number[] = [];
  for (let y = new Date(fromMs).getUTCFullYear(); y <= new Date(toMs).getUTCFullYear(); y++) years.push(y);
  return years;
}

/** Makes sure a partition exists for each of the years. */
export async function ensurePartitions(sql: Sql, wanted: Iterable<number>): Promise<void> {
  let years = known.get(sql);
  if (!years) {
    years = await existingYears(sql);
    known.set(sql, years);
  }
  const missing: number[] = [];
  for (const year of wanted) if (!years.has(year)) missing.push(year);
  if (missing.length === 0) return;
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${LOCK})`;
    for (const year of missing) {
      await tx.unsafe(
        `create table if not exists ${partitionName(year)} partition of observations
         for values from ('${year}-01-01 00:00:00+00') to ('${year + 1}-01-01 00:00:00+00')`,
      );
    }
  });
  for (const year of missing) years.add(year);
}

/** Years that have a partition, read from the catalog. */
export async function existingYears(sql: Sql): Promise<Set<number>> {
  const rows = await sql<{ name: string }[]>`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    where p.relname = 'observations'`;
  const years = new Set<number>();
  for (const row of rows) {
    const match = /^observations_y(\d{4})$/.exec(row.name);
    if (match) years.add(Number(match[1]));
  }
  return years;
}

/** Forgets what is known (after partitions were dropped). */
export function forgetPartitions(sql: Sql): void {
  known.delete(sql);
}
