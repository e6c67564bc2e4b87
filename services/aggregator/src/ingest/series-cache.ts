/**
 * @module Series ids by identity, resolved in bulk: the ids already known are served from memory,
 * the rest are created (or found) with one statement. Series are never deleted while the
 * aggregator runs except by retention, which clears the cache.
 */
import type { Sql, TransactionSql } from "postgres";

export interface SeriesRef {
  tenant: string;
  profileId: string;
  measure: string;
  dims: Record<string, string>;
  dimsKey: string;
  unit: string | null;
}

export const seriesIdentity = (tenant: string, profileId: string, measure: string, dimsKey: string): string =>
  `${tenant}\u0000${profileId}\u0000${measure}\u0000${dimsKey}`;

export class SeriesCache {
  private readonly ids = new Map<string, number>();

  constructor(private readonly maxSize = 1_000_000) {}

  clear(): void {
    this.ids.clear();
  }

  /**
   * Ids for every identity in `refs`; creates the series that do not exist yet. Inside a
   * transaction, pass `learned`: the new ids are collected there and only remembered (`learn`)
   * once the transaction has committed, so a rolled-back series is never served from memory.
   */
  async resolve(
    sql: Sql | TransactionSql,
    refs: Map<string, SeriesRef>,
    learned?: Map<string, number>,
  ): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    const missing: SeriesRef[] = [];
    for (const [identity, ref] of refs) {
      const id = this.ids.get(identity);
      if (id === undefined) missing.push(ref);
      else result.set(identity, id);
    }
    if (missing.length === 0) return result;
    // `do update` (a no-op on unit when it is unchanged) so that existing rows are returned too.
    const rows = await sql<
      { id: string; tenant_id: string; profile_id: string; measure: string; dims_key: string }[]
    >`
      insert into series (tenant_id, profile_id, measure, dims, dims_key, unit)
      select tenant_id, profile_id, measure, dims::jsonb, dims_key, unit from unnest(
        ${missing.map((r) => r.tenant)}::text[],
        ${missing.map((r) => r.profileId)}::text[],
        ${missing.map((r) => r.measure)}::text[],
        ${missing.map((r) => JSON.stringify(r.dims))}::text[],
        ${missing.map((r) => r.dimsKey)}::text[],
        ${missing.map((r) => r.unit)}::text[]
      ) as t(tenant_id, profile_id, measure, dims, dims_key, unit)
      on conflict (tenant_id, profile_id, measure, dims_key)
        do update set unit = coalesce(excluded.unit, series.unit)
      returning id, tenant_id, profile_id, measure, dims_key`;
    const found = learned ?? new Map<string, number>();
    for (const row of rows) {
      const identity = seriesIdentity(row.tenant_id, row.profile_id, row.measure, row.dims_key);
      const id = Number(row.id);
      result.set(identity, id);
      found.set(identity, id);
    }
    if (!learned) this.learn(found);
    return result;
  }

  /** Remembers ids of series known to exist (committed). */
  learn(ids: Map<string, number>): void {
    if (this.ids.size + ids.size > this.maxSize) this.ids.clear();
    for (const [identity, id] of ids) this.ids.set(identity, id);
  }
}
