/**
 * @module The aggregator's forecast RPC methods: on-demand forecasts, specs (CRUD and run now) and
 * stored runs. Each takes the caller's tenant from the request headers.
 */
import {
  ForecastRequestSchema,
  ForecastRunsQuerySchema,
  ForecastSpecCreateSchema,
  ForecastSpecPatchSchema,
  type ForecastSpecRun,
  ForecastSpecsQuerySchema,
} from "@chartly/contracts";
import { AppError, type RpcHandler, requireTenant } from "@chartly/platform";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Sql } from "postgres";
import { z } from "zod";
import { publishJobs } from "./queue.js";
import type { Forecaster } from "./runner.js";
import { getRun, listRuns } from "./runs-store.js";
import {
  createSpec,
  deleteSpec,
  getSpec,
  getSpecRow,
  listSpecs,
  seriesOfSpec,
  updateSpec,
} from "./specs-store.js";

const SeriesRef = z.object({ seriesId: z.coerce.number().int().positive() });
const SpecRef = z.object({ id: z.string().min(1) });
const RunRef = z.object({ id: z.coerce.number().int().positive() });

export function forecastHandlers(
  sql: Sql,
  js: () => JetStreamClient,
  forecaster: Forecaster,
  limits: { maxSpecsPerTenant?: number } = {},
): Record<string, RpcHandler> {
  return {
    "forecasts.run": (payload, ctx) => {
      const { seriesId } = SeriesRef.parse(payload);
      const { seriesId: _, ...request } = payload as Record<string, unknown>;
      return forecaster.forecastNow(requireTenant(ctx), seriesId, ForecastRequestSchema.parse(request));
    },
    "forecasts.specs.create": (payload, ctx) =>
      createSpec(
        sql,
        requireTenant(ctx),
        ctx.principal,
        ForecastSpecCreateSchema.parse(payload),
        limits.maxSpecsPerTenant,
      ),
    "forecasts.specs.list": (payload, ctx) =>
      listSpecs(sql, requireTenant(ctx), ForecastSpecsQuerySchema.parse(payload)),
    "forecasts.specs.get": (payload, ctx) => getSpec(sql, requireTenant(ctx), SpecRef.parse(payload).id),
    "forecasts.specs.update": (payload, ctx) => {
      const { id, patch } = z.object({ id: z.string().min(1), patch: z.unknown() }).parse(payload);
      return updateSpec(sql, requireTenant(ctx), ctx.principal, id, ForecastSpecPatchSchema.parse(patch));
    },
    "forecasts.specs.delete": async (payload, ctx) => {
      await deleteSpec(sql, requireTenant(ctx), SpecRef.parse(payload).id);
      return null;
    },
    /** Queues a fit of every series the spec covers now, whether or not new data arrived. */
    "forecasts.specs.run": async (payload, ctx): Promise<ForecastSpecRun> => {
      const tenant = requireTenant(ctx);
      const { id } = SpecRef.parse(payload);
      const spec = await getSpecRow(sql, tenant, id);
      if (!spec) throw AppError.notFound(`forecast spec ${id}`);
      const seriesIds = await seriesOfSpec(sql, spec);
      const slot = new Date().toISOString();
      await publishJobs(js(), tenant, id, seriesIds, slot, "manual");
      return { specId: id, slot, seriesIds };
    },
    "forecasts.runs.list": async (payload, ctx) => {
      const query = ForecastRunsQuerySchema.parse(payload);
      const runs = await listRuns(sql, requireTenant(ctx), query);
      if (!runs) throw AppError.notFound(`series ${query.seriesId}`);
      return runs;
    },
    "forecasts.runs.get": async (payload, ctx) => {
      const { id } = RunRef.parse(payload);
      const run = await getRun(sql, requireTenant(ctx), id);
      if (!run) throw AppError.notFound(`forecast run ${id}`);
      return run;
    },
  };
}
