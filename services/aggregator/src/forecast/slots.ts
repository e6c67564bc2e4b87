/**
 * @module Which slot of a forecast spec's schedule is due, pure. `every: X` owns slots aligned to
 * multiples of X since the epoch; `cron` owns the instants its expression names in its time zone.
 * The due slot is the latest that has started, so every replica agrees and a scheduler back from
 * downtime queues the missed slot once, not every one it missed.
 */
import { type ForecastSchedule, parseDuration } from "@chartly/contracts";
import { Cron } from "croner";

const crons = new Map<string, Cron>();

function cronOf(pattern: string, timezone = "UTC"): Cron {
  const key = `${timezone} ${pattern}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(pattern, { timezone, mode: "5-or-6-parts" });
    crons.set(key, cron);
  }
  return cron;
}

/** The slot due at `now`, or undefined for a schedule that names no instant. */
export function dueSlot(schedule: ForecastSchedule, now: number): Date | undefined {
  if (schedule.cron) return cronOf(schedule.cron, schedule.timezone).previousRuns(1, new Date(now + 1))[0];
  const everyMs = schedule.every ? parseDuration(schedule.every) : undefined;
  if (!everyMs) return undefined;
  return new Date(Math.floor(now / everyMs) * everyMs);
}

/** The first slot after `now`. */
export function nextSlot(schedule: ForecastSchedule, now: number): Date | undefined {
  if (schedule.cron) return cronOf(schedule.cron, schedule.timezone).nextRun(new Date(now)) ?? undefined;
  const everyMs = schedule.every ? parseDuration(schedule.every) : undefined;
  return everyMs ? new Date((Math.floor(now / everyMs) + 1) * everyMs) : undefined;
}

/** Why croner cannot follow a cron expression, or undefined when it can. */
export function scheduleProblem(schedule: ForecastSchedule): string | undefined {
  if (!schedule.cron) return undefined;
  try {
    cronOf(schedule.cron, schedule.timezone);
    return undefined;
  } catch (error) {
    return `cron "${schedule.cron}": ${(error as Error).message}`;
  }
}
