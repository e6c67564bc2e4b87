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
      text ?? (format === "yyyy" && Number.isInteger(value) ? String(value).padStart(4, "0") : undefined);
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
    }
    const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, ms = 0] = parts;
    if (!isValidCalendarTime(year, month, day, hour, minute, second)) return invalid();
    return instant(utcMs(year, month, day, hour, minute, second, ms) - offset * 60_000, value);
  };
}

function describeFormat(format: TimeFormat): string {
  switch (format) {
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
