/**
 * @module The incremental cursor of one run: where it starts (the stored high-water mark minus
 * the lookback, or the profile's `initial`), written into `${cursor}` in the profile's format, and
 * the highest value among the records the run published, which the run reports so the next one
 * starts there. Values are compared as instants or numbers, never as text, so `2024-10-01` is
 * after `2024-9-30` and `10` after `9`.
 */
import type { CursorValue, IncrementalSpec, Job, NormalisedRecord } from "@chartly/contracts";
import { parseDuration } from "@chartly/contracts";
import { parseNumber } from "../engine/numbers.js";
import { compilePath } from "../engine/paths.js";
import { compileTimeParser } from "../engine/time.js";

/** `${cursor}` for a job: from the stored cursor when there is one, else the profile's `initial`. */
export function startCursor(job: Pick<Job, "cursor" | "spec">): string | undefined {
  const spec = job.spec.incremental;
  if (!spec) return job.cursor;
  if (spec.type === "number") {
    const lookback = typeof spec.lookback === "number" ? spec.lookback : 0;
    const exact = job.cursor === undefined ? undefined : bigIntegerOf(job.cursor);
    // An id beyond 2^53 is counted back exactly (a whole lookback; a fractional one is rounded up).
    if (exact !== undefined) return String(exact - BigInt(Math.ceil(lookback)));
    const stored = job.cursor === undefined ? Number.NaN : Number(job.cursor);
    if (!Number.isFinite(stored)) return String(spec.initial);
    return String(stored - lookback);
  }
  const stored = job.cursor === undefined ? Number.NaN : Date.parse(job.cursor);
  if (Number.isNaN(stored)) return formatDate(Date.parse(isoOf(String(spec.initial))), spec.format);
  const lookback = typeof spec.lookback === "string" ? (parseDuration(spec.lookback) ?? 0) : 0;
  return formatDate(stored - lookback, spec.format);
}

/** A date written without a zone is UTC, whatever engine parses it. */
function isoOf(text: string): string {
  return /T|\s/.test(text) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? `${text.replace(" ", "T")}Z` : text;
}

function formatDate(ms: number, format: IncrementalSpec["format"]): string {
  const iso = new Date(ms).toISOString();
  switch (format) {
    case "iso":
      return iso;
    case "yyyy-MM-dd":
      return iso.slice(0, 10);
    case "yyyy":
      return iso.slice(0, 4);
    case "epoch_s":
      return String(Math.floor(ms / 1000));
    case "epoch_ms":
      return String(ms);
  }
}

const INTEGER = /^\s*-?\d+\s*$/;

/** An integer written as text beyond 2^53, where a double would round it. */
function bigIntegerOf(value: unknown): bigint | undefined {
  if (typeof value !== "string" || !INTEGER.test(value)) return undefined;
  const exact = BigInt(value.trim());
  return exact > MAX_SAFE || exact < -MAX_SAFE ? exact : undefined;
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A cursor value: a number, or for integers beyond 2^53 (ids the source sent as long digit runs,
 * which JSON reading keeps as text) the exact integer.
 */
type Position = number | bigint;

/** Orders two positions (never NaN) exactly when both are integers, else as doubles. */
function isAfter(a: Position, b: Position): boolean {
  if (typeof a === typeof b) return a > b;
  const big = typeof a === "bigint" ? a : (b as bigint);
  const other = (typeof a === "bigint" ? b : a) as number;
  if (!Number.isFinite(other)) return typeof a === "bigint" ? other < 0 : other > 0;
  if (Number.isInteger(other)) return typeof a === "bigint" ? big > BigInt(other) : BigInt(other) > big;
  return typeof a === "bigint" ? Number(big) > other : other > Number(big);
}

/** Keeps the highest cursor value among the records a run published. */
export class CursorTracker {
  private highest: Position = Number.NEGATIVE_INFINITY;
  private readonly read: (raw: unknown, record: NormalisedRecord) => Position;

  constructor(private readonly spec: IncrementalSpec) {
    const field = spec.field;
    if (field === undefined) {
      this.read = (_raw, record) => Date.parse(record.time);
      return;
    }
    const get = compilePath(field);
    if (spec.type === "number") {
      this.read = (raw) => {
        const value = get(raw);
        return bigIntegerOf(value) ?? parseNumber(value).value ?? Number.NaN;
      };
      return;
    }
    const parseTime = compileTimeParser({ format: "iso", timezone: "UTC" });
    const epochMs = compileTimeParser({ format: "epoch_ms", timezone: "UTC" });
    this.read = (raw) => {
      const value = get(raw);
      const time = typeof value === "number" ? epochMs(value) : parseTime(value);
      return typeof time === "string" ? Number.NaN : time.getTime();
    };
  }

  /** Called for each record once the sink has taken it. */
  observe(raw: unknown, record: NormalisedRecord): void {
    const value = this.read(raw, record);
    if (typeof value === "number" && Number.isNaN(value)) return;
    if (isAfter(value, this.highest)) this.highest = value;
  }

  /** The high-water mark, or undefined when no published record had a readable value. */
  value(): CursorValue | undefined {
    const highest = this.highest;
    if (typeof highest === "bigint") return { kind: "number", value: String(highest) };
    if (!Number.isFinite(highest)) return undefined;
    return this.spec.type === "number"
      ? { kind: "number", value: String(highest) }
      : { kind: "date", value: new Date(highest).toISOString() };
  }
}
