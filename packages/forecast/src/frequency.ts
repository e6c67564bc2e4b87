/**
 * @module The sampling frequency of a series from its timestamps, the seasonal periods that go
 * with it, and each timestamp's slot on the regular grid (so gaps show up as empty slots).
 */
import type { Frequency, Timestamp } from "./types.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface Grid {
  frequency?: Frequency;
  /** Seasonal period (1 when none or unknown). */
  m: number;
  /** Periods for MSTL, shortest first. */
  periods: number[];
  /** Slot of each timestamp, counted from the first one. */
  slots: number[];
}

export type GridOutcome = { ok: true; grid: Grid } | { ok: false; message: string };

function toMillis(t: Timestamp): number {
  if (t instanceof Date) return t.getTime();
  if (typeof t === "number") return t;
  return Date.parse(t);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Whole months from a to b in UTC. */
function monthsBetween(a: number, b: number): number {
  const da = new Date(a);
  const db = new Date(b);
  return (db.getUTCFullYear() - da.getUTCFullYear()) * 12 + (db.getUTCMonth() - da.getUTCMonth());
}

/** The frequency name, period and MSTL periods for a typical spacing in milliseconds. */
function classify(step: number): Omit<Grid, "slots"> & { calendarMonths?: number } {
  const near = (target: number, tolerance: number) => Math.abs(step - target) <= tolerance;
  if (near(MINUTE, 1_000)) return { frequency: "minutely", m: 60, periods: [60, 1440] };
  if (step < HOUR && HOUR % Math.round(step) === 0) {
    const perDay = Math.round(DAY / step);
    return { frequency: "sub-hourly", m: perDay, periods: [perDay, 7 * perDay] };
  }
  if (near(HOUR, MINUTE)) return { frequency: "hourly", m: 24, periods: [24, 168] };
  if (near(DAY, HOUR)) return { frequency: "daily", m: 7, periods: [7, 365] };
  if (near(7 * DAY, HOUR)) return { frequency: "weekly", m: 52, periods: [52] };
  if (step >= 28 * DAY && step <= 31 * DAY)
    return { frequency: "monthly", m: 12, periods: [12], calendarMonths: 1 };
  if (step >= 89 * DAY && step <= 92 * DAY)
    return { frequency: "quarterly", m: 4, periods: [4], calendarMonths: 3 };
  if (step >= 365 * DAY && step <= 366 * DAY)
    return { frequency: "yearly", m: 1, periods: [], calendarMonths: 12 };
  return { m: 1, periods: [] };
}

/**
 * Infers the frequency from the median spacing and places every timestamp on the grid it
 * implies: by elapsed time for up to weekly data, by calendar months beyond that (months differ
 * in length). Timestamps must be valid and strictly increasing.
 */
export function timestampGrid(timestamps: ArrayLike<Timestamp>): GridOutcome {
  const times: number[] = [];
  for (let i = 0; i < timestamps.length; i++) {
    const t = toMillis(timestamps[i] as Timestamp);
    if (!Number.isFinite(t)) return { ok: false, message: `timestamp ${i} is not a valid date` };
    if (i > 0 && t <= (times[i - 1] as number))
      return { ok: false, message: `timestamps must increase (at ${i})` };
    times.push(t);
  }
  if (times.length < 2) return { ok: true, grid: { m: 1, periods: [], slots: times.map(() => 0) } };
  const steps: number[] = [];
  for (let i = 1; i < times.length; i++) steps.push((times[i] as number) - (times[i - 1] as number));
  const step = median(steps);
  const { calendarMonths, ...kind } = classify(step);
  const first = times[0] as number;
  const slots = times.map((t) =>
    calendarMonths ? Math.round(monthsBetween(first, t) / calendarMonths) : Math.round((t - first) / step),
  );
  for (let i = 1; i < slots.length; i++) {
    if ((slots[i] as number) <= (slots[i - 1] as number)) {
      return {
        ok: false,
        message: `timestamps ${i - 1} and ${i} fall on the same ${kind.frequency ?? "step"}`,
      };
    }
  }
  return { ok: true, grid: { ...kind, slots } };
}
