/**
 * @module Turning raw source records into Chartly's normalised records, as the profile's
 * `records` section describes: one instant in UTC, string dimensions, numeric measures and a key
 * that identifies the observation, so storing a record twice updates it instead of duplicating it.
 * Records that cannot be normalised are skipped with a reason; the counts of those reasons, by
 * kind and never by raw value, become the run's `skipped` statistics, each skipped record counted
 * once under the reason that decided it. A kept record's measures that came out null are counted
 * apart, by why (`nulls`).
 */
import type { MeasureSpec, NormalisedRecord, RecordsSpec } from "@chartly/contracts";
import { EXPR_PREFIX } from "./expressions.js";
import { type NumberProblem, parseNumber } from "./numbers.js";
import { compilePath } from "./paths.js";
import { show } from "./show.js";
import { compileTimeParser, TIME_AGGREGATE, TIME_MISSING } from "./time.js";

export type SkipKind =
  | "time missing"
  | "time unparseable"
  | "time aggregate"
  | "key missing"
  | "dim missing"
  | "dim not scalar"
  | "no numeric measure"
  | "filtered out"
  | "expression failed"
  | NumberProblem;

export interface NormaliseResult {
  record?: NormalisedRecord;
  /** Why the record was dropped, quoting the offending value, for logs. */
  skipped?: string;
  /** The kind of a dropped record's skip: the reason it is counted under. */
  kind?: SkipKind;
  /** Why each of a kept record's null measures is null (`value missing`, `not a number`). */
  nulls?: NumberProblem[];
}

/**
 * `computed` holds the values of the spec's `expr:` references for this record (see
 * expressions.ts); a spec without expressions never needs it.
 */
export type Normaliser = (raw: unknown, computed?: ReadonlyMap<string, unknown>) => NormaliseResult;

type FieldReader = (record: unknown, computed: ReadonlyMap<string, unknown> | undefined) => unknown;

interface CompiledMeasure {
  name: string;
  read: FieldReader;
  scale: number;
}

/** A dot path, or an `expr:` whose value was computed before normalising. */
function compileField(ref: string): FieldReader {
  if (ref.startsWith(EXPR_PREFIX)) return (_record, computed) => computed?.get(ref);
  return compilePath(ref);
}

const TIME_CACHE_SIZE = 10_000;

export function createNormaliser(records: RecordsSpec): Normaliser {
  const parseTime = compileTimeParser(records.time);
  const readTime = timeReader(records.time.field, records.time.year);
  const keyFields = records.key?.map((ref) => ({ ref, read: compileField(ref) }));
  // Sorted once: the key joins dimension values in dimension-name order.
  const dims = Object.entries(records.dims)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, path]) => ({ name, read: compileField(path) }));
  const measures: CompiledMeasure[] = Object.entries(records.measures).map(([name, spec]) => ({
    name,
    read: compileField(measureField(spec)),
    scale: typeof spec === "string" ? 1 : (spec.scale ?? 1),
  }));

  // Many records share a time (every series at the same date): each distinct raw value is
  // parsed once. Bounded, since a stream of distinct times would otherwise only grow it.
  const times = new Map<unknown, { iso: string } | { reason: string }>();

  return (raw, computed) => {
    const rawTime = readTime(raw, computed);
    let cached = times.get(rawTime);
    if (cached === undefined) {
      const time = parseTime(rawTime);
      cached = typeof time === "string" ? { reason: time } : { iso: time.toISOString() };
      if (typeof rawTime === "string" || typeof rawTime === "number") {
        if (times.size >= TIME_CACHE_SIZE) times.clear();
        times.set(rawTime, cached);
      }
    }
    if ("reason" in cached) return skip(cached.reason, timeSkipKind(cached.reason));
    const iso = cached.iso;

    const dimValues: Record<string, string> = {};
    const keyParts: string[] = [];
    for (const dim of dims) {
      const value = dim.read(raw, computed);
      if (value === null || value === undefined || (typeof value === "string" && value.trim() === "")) {
        return skip(`dim "${dim.name}" missing`, "dim missing");
      }
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
        return skip(`dim "${dim.name}" is not a string, number or boolean: ${show(value)}`, "dim not scalar");
      }
      const text = String(value);
      dimValues[dim.name] = text;
      keyParts.push(escapeKeyPart(text));
    }

    const measureValues: Record<string, number | null> = {};
    const nullKinds: NumberProblem[] = [];
    for (const measure of measures) {
      const parsed = parseNumber(measure.read(raw, computed));
      measureValues[measure.name] = parsed.value === null ? null : parsed.value * measure.scale;
      if (parsed.kind) nullKinds.push(parsed.kind);
    }
    if (nullKinds.length === measures.length) {
      const why = [...new Set(nullKinds)].join(", ");
      return skip(`no numeric measure (${why})`, "no numeric measure");
    }

    let key: string;
    if (keyFields) {
      const parts: string[] = [];
      for (const field of keyFields) {
        const value = field.read(raw, computed);
        if (value === null || value === undefined || typeof value === "object" || value === "") {
          return skip(`key field "${field.ref}" missing or not a scalar`, "key missing");
        }
        parts.push(escapeKeyPart(String(value)));
      }
      key = parts.join("|");
    } else {
      keyParts.push(iso);
      key = keyParts.join("|");
    }
    const record = { key, time: iso, dims: dimValues, measures: measureValues };
    return nullKinds.length > 0 ? { record, nulls: nullKinds } : { record };
  };
}

/** The time value, or `<year>-<value>` when the year is a field of its own (BLS `year` + `period`). */
function timeReader(field: string, year: string | undefined): FieldReader {
  const read = compileField(field);
  if (year === undefined) return read;
  const readYear = compileField(year);
  return (record, computed) => {
    const rest = read(record, computed);
    const whole = readYear(record, computed);
    if (rest === null || rest === undefined || whole === null || whole === undefined) return undefined;
    return `${String(whole).trim()}-${String(rest).trim()}`;
  };
}

function timeSkipKind(reason: string): SkipKind {
  if (reason === TIME_MISSING) return "time missing";
  return reason === TIME_AGGREGATE ? "time aggregate" : "time unparseable";
}

/** Units by measure name, for the measures whose profile entry gives one. */
export function measureUnits(records: RecordsSpec): Record<string, string> {
  const units: Record<string, string> = {};
  for (const [name, spec] of Object.entries(records.measures)) {
    if (typeof spec !== "string" && spec.unit !== undefined) units[name] = spec.unit;
  }
  return units;
}

/**
 * Normalises one page of raw records, counting why the others were skipped (once each) and why
 * kept records' null measures are null.
 */
export function normaliseAll(
  rawRecords: unknown[],
  spec: RecordsSpec,
): { records: NormalisedRecord[]; skipped: Record<string, number>; nulls: Record<string, number> } {
  const normalise = createNormaliser(spec);
  const records: NormalisedRecord[] = [];
  const skipped: Record<string, number> = {};
  const nulls: Record<string, number> = {};
  for (const raw of rawRecords) {
    const result = normalise(raw);
    if (result.kind) skipped[result.kind] = (skipped[result.kind] ?? 0) + 1;
    if (!result.record) continue;
    records.push(result.record);
    for (const kind of result.nulls ?? []) nulls[kind] = (nulls[kind] ?? 0) + 1;
  }
  return { records, skipped, nulls };
}

function measureField(spec: MeasureSpec): string {
  return typeof spec === "string" ? spec : spec.field;
}

function skip(reason: string, kind: SkipKind): NormaliseResult {
  return { skipped: reason, kind };
}

/** A `|` inside a dimension value would let two different records share a key. */
function escapeKeyPart(text: string): string {
  if (!text.includes("|") && !text.includes("\\")) return text;
  return text.replaceAll("\\", "\\\\").replaceAll("|", "\\|");
}
