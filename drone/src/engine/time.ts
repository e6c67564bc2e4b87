/**
 * @module Reading a record's time. Sources write time in many ways (ISO 8601 with or without a
 * zone, `2014-09-27 00:00`, epoch seconds or milliseconds, bare years and months); the profile says
 * which one and which zone a zone-less time is in, and every time leaves here as an instant. Values
 * are parsed with strict patterns rather than `Date.parse`, whose handling of zone-less and
 * out-of-range input varies between engines and silently rolls `2021-02-30` over to March.
 */
import type { TimeSpec } from "@chartly/contracts";
import { show } from "./show.js";

/** The reason for a time that is absent altogether, kept apart from times that fail to parse. */
export const TIME_MISSING = "time missing";
/**
 * The reason for a BLS period that is an average over a longer one (`M13` annual average of a
 * monthly series, `Q05` of a quarterly, `S03` of a semiannual): not a point of the series.
 */
export const TIME_AGGREGATE = "time is an annual average (BLS M13, Q05 or S03)";

export type TimeFormat = TimeSpec["format"];
export type TimeParser = (value: unknown) => Date | string;

/** Stored times must render as a four-digit-year ISO string, which the record schema requires. */
const EARLIEST_MS = utcMs(0, 1, 1, 0, 0, 0, 0);
const LATEST_MS = utcMs(9999, 12, 31, 23, 59, 59, 999);

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const YEAR = /^(\d{4})$/;
const YEAR_MONTH = /^(\d{4})-(\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const QUARTER = /^(\d{4})[- ]?Q([1-4])$/i;
const ISO_WEEK = /^(\d{4})-?W(\d{2})$/i;
const BLS = /^(\d{4})[- ]?(M(0[1-9]|1[0-3])|Q0([1-5])|S0([1-3])|A01)$/i;
const SDMX_MONTH = /^(\d{4})-?M(\d{2})$/i;
const SEMESTER = /^(\d{4})-S([12])$/i;
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** Parses one time with the profile's format and zone; a string result is the reason it failed. */
export function parseTime(value: unknown, spec: TimeSpec): Date | string {
  return compileTimeParser(spec)(value);
}

/** Resolves the zone once, for callers that parse a whole run's records with one spec. */
export function compileTimeParser(spec: Pick<TimeSpec, "format" | "timezone">): TimeParser {
  const { format } = spec;
  const defaultOffset = parseOffset(spec.timezone);
  if (defaultOffset === undefined) throw new Error(`timezone "${spec.timezone}" is not UTC or ±hh:mm`);

  return (value) => {
    if (value === null || value === undefined) return TIME_MISSING;
    const text = typeof value === "string" ? value.trim() : undefined;
    if (text === "") return TIME_MISSING;
    const invalid = () => `time ${show(value)} is not a valid ${describeFormat(format)}`;

    if (format === "epoch_s" || format === "epoch_ms") {
      const number = typeof value === "number" ? value : DECIMAL.test(text ?? "") ? Number(text) : NaN;
      if (!Number.isFinite(number)) return invalid();
      return instant(Math.round(format === "epoch_s" ? number * 1000 : number), value);
    }

    // Years arrive as JSON numbers as often as strings.
    const input =
      text ??
      ((format === "yyyy" || format === "period") && Number.isInteger(value)
        ? String(value).padStart(4, "0")
        : undefined);
    if (input === undefined) return invalid();

    let match: RegExpExecArray | null;
    let parts: number[];
    let offset = defaultOffset;
    switch (format) {
      case "iso": {
        match = ISO.exec(input);
        if (!match) return invalid();
        const zone = match[8];
        if (zone !== undefined) {
          const parsed = parseOffset(zone);
          if (parsed === undefined) return invalid();
          offset = parsed;
        }
        const millis = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, "0"));
        parts = [...match.slice(1, 7).map((part) => (part === undefined ? 0 : Number(part))), millis];
        break;
      }
      case "yyyy":
        match = YEAR.exec(input);
        if (!match) return invalid();
        parts = [Number(match[1]), 1, 1, 0, 0, 0, 0];
        break;
      case "yyyy-MM":
        match = YEAR_MONTH.exec(input);
        if (!match) return invalid();
        parts = [Number(match[1]), Number(match[2]), 1, 0, 0, 0, 0];
        break;
      case "yyyy-MM-dd":
        match = DATE.exec(input);
        if (!match) return invalid();
        parts = [Number(match[1]), Number(match[2]), Number(match[3]), 0, 0, 0, 0];
        break;
      case "yyyy-Qq": {
        match = QUARTER.exec(input);
        if (!match) return invalid();
        parts = [Number(match[1]), Number(match[2]) * 3 - 2, 1, 0, 0, 0, 0];
        break;
      }
      case "yyyy-Www": {
        const week = isoWeek(input);
        if (!week) return invalid();
        parts = week;
        break;
      }
      case "bls": {
        match = BLS.exec(input);
        if (!match) return invalid();
        const [, year, period = "", month, quarter, half] = match;
        if (/^(M13|Q05|S03)$/i.test(period)) return TIME_AGGREGATE;
        const firstMonth =
          month !== undefined
            ? Number(month)
            : quarter !== undefined
              ? Number(quarter) * 3 - 2
              : half !== undefined
                ? Number(half) * 6 - 5
                : 1;
        parts = [Number(year), firstMonth, 1, 0, 0, 0, 0];
        break;
      }
      case "period": {
        const period = reportingPeriod(input);
        if (!period) return invalid();
        parts = period;
        break;
      }
    }
    const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, ms = 0] = parts;
    if (!isValidCalendarTime(year, month, day, hour, minute, second)) return invalid();
    return instant(utcMs(year, month, day, hour, minute, second, ms) - offset * 60_000, value);
  };
}

/** The Monday starting ISO week `yyyy-Www` (week 1 holds the year's first Thursday). */
function isoWeek(input: string): number[] | undefined {
  const match = ISO_WEEK.exec(input);
  if (!match) return undefined;
  const year = Number(match[1]);
  const week = Number(match[2]);
  const jan4 = utcMs(year, 1, 4, 0, 0, 0, 0);
  const weekday = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0
  const weeks = hasWeek53(year) ? 53 : 52;
  if (week < 1 || week > weeks) return undefined;
  const monday = new Date(jan4 + ((week - 1) * 7 - weekday) * 86_400_000);
  return [monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), 0, 0, 0, 0];
}

function hasWeek53(year: number): boolean {
  const weekday = (y: number) => new Date(utcMs(y, 1, 1, 0, 0, 0, 0)).getUTCDay();
  const leap = daysInMonth(year, 2) === 29;
  return weekday(year) === 4 || (leap && weekday(year) === 3);
}

/**
 * An SDMX reporting period, as statistics offices write `TIME_PERIOD` whatever the frequency:
 * `2024`, `2024-03`, `2024-M03`, `2024-03-15`, `2024-Q1`, `2024-S2`, `2024-W09`. Each is read as
 * the instant its period starts.
 */
function reportingPeriod(input: string): number[] | undefined {
  let match = YEAR.exec(input);
  if (match) return [Number(match[1]), 1, 1, 0, 0, 0, 0];
  match = YEAR_MONTH.exec(input) ?? SDMX_MONTH.exec(input);
  if (match) return [Number(match[1]), Number(match[2]), 1, 0, 0, 0, 0];
  match = DATE.exec(input);
  if (match) return [Number(match[1]), Number(match[2]), Number(match[3]), 0, 0, 0, 0];
  match = QUARTER.exec(input);
  if (match) return [Number(match[1]), Number(match[2]) * 3 - 2, 1, 0, 0, 0, 0];
  match = SEMESTER.exec(input);
  if (match) return [Number(match[1]), Number(match[2]) * 6 - 5, 1, 0, 0, 0, 0];
  return isoWeek(input);
}

function describeFormat(format: TimeFormat): string {
  switch (format) {
    case "bls":
      return "BLS period (a year with M01-M13, Q01-Q05, S01-S03 or A01)";
    case "period":
      return "reporting period (2024, 2024-03, 2024-Q1, 2024-S1, 2024-W09 or 2024-03-15)";
    case "iso":
      return "ISO 8601 time";
    case "epoch_s":
    case "epoch_ms":
      return `${format} timestamp`;
    default:
      return `${format} date`;
  }
}

function instant(ms: number, value: unknown): Date | string {
  if (ms < EARLIEST_MS || ms > LATEST_MS) return `time ${show(value)} is outside the years 0000 to 9999`;
  return new Date(ms);
}

/** Minutes east of UTC, or undefined when the text is no offset. */
function parseOffset(zone: string): number | undefined {
  if (zone === "UTC" || zone.toUpperCase() === "Z") return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = match[3] === undefined ? 0 : Number(match[3]);
  if (hours > 23 || minutes > 59) return undefined;
  return (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

function isValidCalendarTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): boolean {
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `Date.UTC` maps years 0-99 to 1900-1999, so the year is set separately. */
function utcMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}
