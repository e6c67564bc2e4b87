/**
 * @module Forecast specs in Postgres: create, list, read, change and delete, every statement
 * filtered by tenant; and the series a spec covers (its one series, or its selector's matches).
 */
import { randomUUID } from "node:crypto";
import type {
  ForecastSchedule,
  ForecastSelector,
  ForecastSpec,
  ForecastSpecCreate,
  ForecastSpecPatch,
  ForecastSpecsQuery,
  Page,
} from "@chartly/contracts";
import { AppError } from "@chartly/platform";
import type { Sql } from "postgres";
import { nextSlot, scheduleProblem } from "./slots.js";

export interface SpecRow {
  id: string;
  tenant_id: string;
  name: string | null;
  series_id: string | null;
  selector: ForecastSelector | null;
  model: ForecastSpec["model"];
  horizon: number;
  levels: number[];
  schedule: ForecastSchedule | null;
  enabled: boolean;
  last_slot: Date | null;
  created_at: Date;
  created_by: string | null;
  updated_at: Date;
  updated_by: string | null;
}

export const toSpec = (r: SpecRow, now = Date.now()): ForecastSpec => ({
  id: r.id,
  name: r.name,
  seriesId: r.series_id === null ? null : Number(r.series_id),
  selector: r.selector,
  model: r.model,
  horizon: r.horizon,
  levels: r.levels,
  schedule: r.schedule,
  enabled: r.enabled,
  lastSlot: r.last_slot?.toISOString() ?? null,
  nextSlot: r.enabled && r.schedule ? (nextSlot(r.schedule, now)?.toISOString() ?? null) : null,
  createdAt: r.created_at.toISOString(),
  createdBy: r.created_by,
  updatedAt: r.updated_at.toISOString(),
  updatedBy: r.updated_by,
});

function checkSchedule(schedule: ForecastSchedule | null | undefined): void {
  const problem = schedule ? scheduleProblem(schedule) : undefined;
  if (problem) throw AppError.invalid(problem, [{ pointer: "/schedule/cron", message: problem }]);
}

export async function getSpecRow(sql: Sql, tenant: string, id: string): Promise<SpecRow | undefined> {
  const [row] = await sql<SpecRow[]>`select * from forecast_specs where tenant_id = ${tenant} and id = ${id}`;
  return row;
}

export async function getSpec(sql: Sql, tenant: string, id: string): Promise<ForecastSpec> {
  const row = await getSpecRow(sql, tenant, id);
  if (!row) throw AppError.notFound(`forecast spec ${id}`);
  return toSpec(row);
}

export async function createSpec(
  sql: Sql,
  tenant: string,
  principal: string,
  input: ForecastSpecCreate,
  /** Specs a tenant may have at once (FORECAST_MAX_SPECS_PER_TENANT). */
  maxSpecs = Number.POSITIVE_INFINITY,
): Promise<ForecastSpec> {
  checkSchedule(input.schedule);
  if (input.seriesId !== undefined) {
    const [series] = await sql`select 1 from series where tenant_id = ${tenant} and id = ${input.seriesId}`;
    if (!series) {
      throw AppError.invalid(`series ${input.seriesId} was not found`, [
        { pointer: "/seriesId", message: "no such series in this tenant" },
      ]);
    }
  }
  return sql.begin(async (tx) => {
    // A tenant's creations one at a time, so concurrent ones cannot pass the limit together.
    await tx`select pg_advisory_xact_lock(hashtext(${`forecast-specs:${tenant}`}))`;
    const [held] = await tx<{ n: number }[]>`
      select count(*)::int as n from forecast_specs where tenant_id = ${tenant}`;
    if ((held?.n ?? 0) >= maxSpecs) {
      throw new AppError(
        "conflict",
        `this tenant already has ${held?.n} forecast specs, the most it may have (FORECAST_MAX_SPECS_PER_TENANT); delete one first`,
      );
    }
    const [row] = await tx<SpecRow[]>`
      insert into forecast_specs (id, tenant_id, name, series_id, selector, model, horizon, levels,
        schedule, enabled, created_by, updated_by)
      values (${randomUUID()}, ${tenant}, ${input.name ?? null}, ${input.seriesId ?? null},
        ${input.selector ? JSON.stringify(input.selector) : null}::text::jsonb, ${input.model},
        ${input.horizon}, ${JSON.stringify(input.levels)}::text::jsonb,
        ${input.schedule ? JSON.stringify(input.schedule) : null}::text::jsonb, ${input.enabled},
        ${principal || null}, ${principal || null})
      returning *`;
    return toSpec(row as SpecRow);
  });
}

export async function listSpecs(
  sql: Sql,
  tenant: string,
  query: ForecastSpecsQuery,
): Promise<Page<ForecastSpec>> {
  const where = sql`where tenant_id = ${tenant}
    ${query.seriesId !== undefined ? sql`and series_id = ${query.seriesId}` : sql``}
    ${query.enabled !== undefined ? sql`and enabled = ${query.enabled}` : sql``}`;
  const rows = await sql<SpecRow[]>`
    select * from forecast_specs ${where} order by created_at, id limit ${query.limit} offset ${query.offset}`;
  const [count] = await sql<{ n: string }[]>`select count(*) as n from forecast_specs ${where}`;
  const now = Date.now();
  return {
    items: rows.map((r) => toSpec(r, now)),
    limit: query.limit,
    offset: query.offset,
    total: Number(count?.n ?? 0),
  };
}

export async function updateSpec(
  sql: Sql,
  tenant: string,
  principal: string,
  id: string,
  patch: ForecastSpecPatch,
): Promise<ForecastSpec> {
  checkSchedule(patch.schedule);
  const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
  const [row] = await sql<SpecRow[]>`
    update forecast_specs set
      name = ${patch.name === undefined ? sql`name` : sql`${patch.name}`},
      model = ${patch.model === undefined ? sql`model` : sql`${patch.model}`},
      horizon = ${patch.horizon === undefined ? sql`horizon` : sql`${patch.horizon}`},
      levels = ${patch.levels === undefined ? sql`levels` : sql`${json(patch.levels)}::text::jsonb`},
      schedule = ${patch.schedule === undefined ? sql`schedule` : sql`${json(patch.schedule)}::text::jsonb`},
      enabled = ${patch.enabled === undefined ? sql`enabled` : sql`${patch.enabled}`},
      updated_at = now(), updated_by = ${principal || null}
    where tenant_id = ${tenant} and id = ${id}
    returning *`;
  if (!row) throw AppError.notFound(`forecast spec ${id}`);
  return toSpec(row);
}

/** Deletes a spec; its runs stay (with no spec), as the history of the series' forecasts. */
export async function deleteSpec(sql: Sql, tenant: string, id: string): Promise<void> {
  const rows = await sql`delete from forecast_specs where tenant_id = ${tenant} and id = ${id}`;
  if (rows.count === 0) throw AppError.notFound(`forecast spec ${id}`);
}

/** The series a spec forecasts now: its series, or every series its selector matches. */
export async function seriesOfSpec(sql: Sql, spec: SpecRow): Promise<number[]> {
  if (spec.series_id !== null) {
    const rows =
      await sql`select id from series where tenant_id = ${spec.tenant_id} and id = ${spec.series_id}`;
    return rows.map((r) => Number(r.id));
  }
  const selector = spec.selector;
  if (!selector) return [];
  const rows = await sql`
    select id from series
    where tenant_id = ${spec.tenant_id} and profile_id = ${selector.profile}
      ${selector.measure ? sql`and measure = ${selector.measure}` : sql``}
      and dims @> ${JSON.stringify(selector.dims ?? {})}::text::jsonb
    order by id`;
  return rows.map((r) => Number(r.id));
}
