/**
 * @module RPC methods on schedules: pause, resume, override and show a profile's schedule. The
 * change is stored in Postgres; the leader reads it on its next tick, whichever replica took it.
 */
import {
  ProfileRefSchema,
  type ProfileSchedule,
  ScheduleOverrideSchema,
  type StoredProfile,
} from "@chartly/contracts";
import { AppError, type RpcClient, type RpcContext, type RpcHandler, requireTenant } from "@chartly/platform";
import type { Sql } from "postgres";
import { nextSlot, scheduleProblem } from "../scheduler/slots.js";
import { effectiveSchedule } from "./effective.js";
import { getScheduleState, setOverride, setPaused } from "./store.js";

export function scheduleHandlers({ sql, rpc }: { sql: Sql; rpc: RpcClient }): Record<string, RpcHandler> {
  /** The profile must exist for the caller's tenant; the registry says so. */
  const profileOf = (payload: unknown, ctx: RpcContext) => {
    const { profileId } = ProfileRefSchema.parse(payload);
    return rpc.call<StoredProfile>("registry", "profiles.get", { id: profileId }, ctx);
  };
  const view = async (profile: StoredProfile, tenant: string): Promise<ProfileSchedule> => {
    const state = await getScheduleState(sql, tenant, profile.id);
    const effective = effectiveSchedule(profile, state);
    let next: Date | undefined;
    try {
      next = state.paused ? undefined : nextSlot(effective, profile.id, Date.now());
    } catch {
      next = undefined;
    }
    return {
      profileId: profile.id,
      paused: state.paused,
      pausedAt: state.pausedAt?.toISOString() ?? null,
      override: state.override,
      effective,
      nextSlot: next?.toISOString() ?? null,
      updatedAt: state.updatedAt?.toISOString() ?? null,
      updatedBy: state.updatedBy,
    };
  };
  const pausing = (paused: boolean): RpcHandler => {
    return async (payload, ctx) => {
      const tenant = requireTenant(ctx);
      const profile = await profileOf(payload, ctx);
      await setPaused(sql, tenant, profile.id, paused, ctx.principal);
      return view(profile, tenant);
    };
  };
  return {
    "profiles.schedule.get": async (payload, ctx) => view(await profileOf(payload, ctx), requireTenant(ctx)),
    "profiles.pause": pausing(true),
    "profiles.resume": pausing(false),
    "profiles.schedule.set": async (payload, ctx) => {
      const tenant = requireTenant(ctx);
      const request = ScheduleOverrideSchema.parse(payload);
      const problem = scheduleProblem(request.schedule);
      if (problem) throw AppError.invalid(problem, [{ pointer: "/schedule/cron", message: problem }]);
      const profile = await profileOf(payload, ctx);
      await setOverride(sql, tenant, profile.id, request.schedule, ctx.principal);
      return view(profile, tenant);
    },
    "profiles.schedule.clear": async (payload, ctx) => {
      const tenant = requireTenant(ctx);
      const profile = await profileOf(payload, ctx);
      await setOverride(sql, tenant, profile.id, null, ctx.principal);
      return view(profile, tenant);
    },
  };
}
