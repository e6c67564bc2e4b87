/** @module RPC methods on runs: list, get, and run-now (any replica answers; not only the leader). */
import { randomBytes } from "node:crypto";
import { RunNowSchema, RunsQuerySchema, type StoredProfile } from "@chartly/contracts";
import { AppError, type Logger, type RpcClient, type RpcHandler, requireTenant } from "@chartly/platform";
import type { Sql } from "postgres";
import { z } from "zod";
import type { Dispatcher } from "../scheduler/dispatcher.js";
import { manualRunId } from "../scheduler/slots.js";
import { effectiveSchedule, maxAttemptsOf } from "../schedules/effective.js";
import { getScheduleState } from "../schedules/store.js";
import { getRun, listRuns } from "./store.js";

export interface RunHandlerDeps {
  sql: Sql;
  rpc: RpcClient;
  dispatcher: Dispatcher;
  logger: Logger;
  onQueued: () => void;
}

export function runHandlers({
  sql,
  rpc,
  dispatcher,
  logger,
  onQueued,
}: RunHandlerDeps): Record<string, RpcHandler> {
  return {
    "runs.list": (payload, ctx) => listRuns(sql, requireTenant(ctx), RunsQuerySchema.parse(payload)),
    "runs.get": async (payload, ctx) => {
      const { id } = z.object({ id: z.string() }).parse(payload);
      const run = await getRun(sql, requireTenant(ctx), id);
      if (!run) throw AppError.notFound(`run ${id}`);
      return run;
    },
    "runs.trigger": async (payload, ctx) => {
      const tenant = requireTenant(ctx);
      const request = RunNowSchema.parse(payload);
      const profile = await rpc.call<StoredProfile>(
        "registry",
        "profiles.get",
        { id: request.profileId },
        ctx,
      );
      const now = new Date();
      const slot = request.slot ? new Date(request.slot) : now;
      const id = manualRunId(tenant, profile.id, now, randomBytes(3).toString("hex"));
      const schedule = effectiveSchedule(profile, await getScheduleState(sql, tenant, profile.id));
      await dispatcher.dispatch(
        { ...profile, tenant },
        { id, slot, trigger: "manual", maxAttempts: maxAttemptsOf(schedule) },
      );
      onQueued();
      logger.info({ runId: id, principal: ctx.principal, requestId: ctx.requestId }, "manual run queued");
      return getRun(sql, tenant, id);
    },
  };
}
