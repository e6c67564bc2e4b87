/**
 * @module The timestamps a forecast's points fall on: the series' typical spacing carried on from
 * its last observation, by elapsed time up to weekly data and by calendar months beyond (monthly,
 * quarterly and yearly series keep their day of the month).
 */

const DAY = 86_400_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Calendar months per step for spacings of about a month, a quarter or a year; else undefined. */
function calendarMonths(step: number): number | undefined {
  if (step >= 28 * DAY && step <= 31 * DAY) return 1;
  if (step >= 89 * DAY && step <= 92 * DAY) return 3;
  if (step >= 365 * DAY && step <= 366 * DAY) return 12;
  return undefined;
}

function addMonths(t: number, months: number): number {
  const d = new Date(t);
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
  // Day 31 in a 30-day month becomes the month's last day rather than spilling into the next.
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime();
}

/** `h` timestamps after the last of `times` (epoch ms, increasing, at least two). */
export function futureTimestamps(times: readonly number[], h: number): number[] {
  const last = times[times.length - 1];
  if (last === undefined || times.length < 2) throw new Error("at least two timestamps are needed");
  const steps: number[] = [];
  for (let i = 1; i < times.length; i++) steps.push((times[i] as number) - (times[i - 1] as number));
  const step = median(steps);
  const months = calendarMonths(step);
  return Array.from({ length: h }, (_, k) =>
    months ? addMonths(last, months * (k + 1)) : last + step * (k + 1),
  );
}
