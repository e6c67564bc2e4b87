/**
 * @module Which slot of a forecast spec's schedule is due: the shared schedule arithmetic of the
 * platform, keyed by the spec (forecast schedules take no jitter).
 */
import type { ForecastSchedule } from "@chartly/contracts";
import { dueSlot as due, nextSlot as next } from "@chartly/platform";

export { scheduleProblem } from "@chartly/platform";

/** The slot due at `now`, or undefined for a schedule that names no instant. */
export const dueSlot = (schedule: ForecastSchedule, now: number): Date | undefined => due(schedule, "", now);

/** The first slot after `now`. */
export const nextSlot = (schedule: ForecastSchedule, now: number): Date | undefined =>
  next(schedule, "", now);
