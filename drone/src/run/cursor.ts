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
    const stored = job.cursor === undefined ? Number.NaN : Number(job.cursor);
    if (!Number.isFinite(stored)) return String(spec.initial);
    const lookback = typeof spec.lookback === "number" ? spec.lookback : 0;
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

/** Keeps the highest cursor value among the records a run published. */
export class CursorTracker {
  private highest = Number.NEGATIVE_INFINITY;
  private readonly read: (raw: unknown, record: NormalisedRecord) => number;

  constructor(private readonly spec: IncrementalSpec) {
    const field = spec.field;
    if (field === undefined) {
      this.read = (_raw, record) => Date.parse(record.time);
      return;
    }
    const get = compilePath(field);
    if (spec.type === "number") {
      this.read = (raw) => parseNumber(get(raw)).value ?? Number.NaN;
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
    if (value > this.highest) this.highest = value;
  }

  /** The high-water mark, or undefined when no published record had a readable value. */
  value(): CursorValue | undefined {
    if (!Number.isFinite(this.highest)) return undefined;
    return this.spec.type === "number"
      ? { kind: "number", value: String(this.highest) }
      : { kind: "date", value: new Date(this.highest).toISOString() };
  }
}
