/** @module Which schedule the clock follows for a profile: pure, from the profile and its stored state. */
import { DEFAULT_MAX_ATTEMPTS, type ScheduleSpec, type StoredProfile } from "@chartly/contracts";

/** What operators changed about a profile's schedule (a row of `profile_schedules`). */
export interface ScheduleState {
  paused: boolean;
  override: ScheduleSpec | null;
}

export type ScheduleStates = ReadonlyMap<string, ScheduleState>;

export const scheduleKey = (tenant: string, profileId: string): string => `${tenant}/${profileId}`;

/** The override when there is one (keeping the profile's `maxAttempts` unless it sets its own). */
export function effectiveSchedule(profile: StoredProfile, state?: ScheduleState): ScheduleSpec {
  const own = profile.spec.schedule;
  if (!state?.override) return own;
  const maxAttempts = state.override.maxAttempts ?? own.maxAttempts;
  return maxAttempts === undefined ? state.override : { ...state.override, maxAttempts };
}

export const maxAttemptsOf = (schedule: ScheduleSpec): number => schedule.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
