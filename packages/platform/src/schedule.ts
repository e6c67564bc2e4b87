/**
 * @module Schedule arithmetic, pure, shared by everything that runs on a clock (profiles in the
 * coordinator, recurring forecasts in the aggregator). A schedule `every: X` owns the slots
 * aligned to multiples of X since the epoch, shifted by an optional jitter offset derived from a
 * key; a `cron` schedule owns the instants its expression names in its time zone. Every replica
 * (and every restart) computes the same slots, and the slot due at a given time is the latest
 * that has started, so after downtime the missed slot runs once (catch-up `latest`), not every
 * missed one.
 */
import { createHash } from "node:crypto";
import { parseDuration } from "@chartly/contracts";
import { Cron } from "croner";

/** What a clock needs of a schedule; profiles' and forecast specs' schedules both fit. */
export interface Schedule {
  every?: string | undefined;
  cron?: string | undefined;
  timezone?: string | undefined;
  /** Spread of `every` slots, as a duration; the offset within it is derived from the key. */
  jitter?: string | undefined;
}

/** Deterministic offset in [0, jitterMs) for a key (a profile id). */
export function jitterOffset(key: string, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  const hash = createHash("sha256").update(key).digest();
  return hash.readUInt32BE(0) % jitterMs;
}

/** Start of the slot that contains `now`. */
export function currentSlot(now: number, everyMs: number, offsetMs = 0): Date {
  const shifted = now - offsetMs;
  return new Date(Math.floor(shifted / everyMs) * everyMs + offsetMs);
}

const crons = new Map<string, Cron>();

/** The parsed expression (cached: every tick asks again); throws when croner rejects it. */
export function cronOf(pattern: string, timezone = "UTC"): Cron {
  const key = `${timezone} ${pattern}`;
  let cron = crons.get(key);
  if (!cron) {
    cron = new Cron(pattern, { timezone, mode: "5-or-6-parts" });
    crons.set(key, cron);
  }
  return cron;
}

/** Per expression, the last slot computed and when the next one starts: most ticks need no search. */
const cronWindows = new Map<string, { due: number; next: number }>();

/** The latest instant at or before `now` that `pattern` names in `timezone`. */
export function cronSlot(pattern: string, timezone: string | undefined, now: number): Date | undefined {
  const key = `${timezone ?? "UTC"} ${pattern}`;
  const window = cronWindows.get(key);
  if (window && window.due <= now && now < window.next) return new Date(window.due);
  const cron = cronOf(pattern, timezone);
  // previousRuns looks strictly before its reference; one millisecond later includes `now` itself.
  const due = cron.previousRuns(1, new Date(now + 1))[0];
  const next = cron.nextRun(new Date(now));
  if (due && next) cronWindows.set(key, { due: due.getTime(), next: next.getTime() });
  return due;
}

/** The slot due at `now`: the latest one that has started. Undefined for an unusable schedule. */
export function dueSlot(schedule: Schedule, key: string, now: number): Date | undefined {
  if (schedule.cron) return cronSlot(schedule.cron, schedule.timezone, now);
  const everyMs = schedule.every ? parseDuration(schedule.every) : undefined;
  if (!everyMs) return undefined;
  const jitterMs = schedule.jitter ? (parseDuration(schedule.jitter) ?? 0) : 0;
  return currentSlot(now, everyMs, jitterOffset(key, Math.min(jitterMs, everyMs)));
}

/** The first slot after `now`. */
export function nextSlot(schedule: Schedule, key: string, now: number): Date | undefined {
  if (schedule.cron) return cronOf(schedule.cron, schedule.timezone).nextRun(new Date(now)) ?? undefined;
  const due = dueSlot(schedule, key, now);
  const everyMs = schedule.every ? parseDuration(schedule.every) : undefined;
  return due && everyMs ? new Date(due.getTime() + everyMs) : undefined;
}

/** Why a schedule cannot be followed, or undefined when it can (croner is stricter than the schemas). */
export function scheduleProblem(schedule: Schedule): string | undefined {
  if (!schedule.cron) return undefined;
  try {
    cronOf(schedule.cron, schedule.timezone);
    return undefined;
  } catch (error) {
    return `cron "${schedule.cron}": ${(error as Error).message}`;
  }
}
