/**
 * @module Turns what a caller passes (values with nulls, optional timestamps) into a clean,
 * regular series, and says in plain words what it changed.
 */
import { type Grid, timestampGrid } from "./frequency.js";
import { fillMissing } from "./missing.js";
import type { Timestamp } from "./types.js";

export interface Prepared {
  y: Float64Array;
  grid?: Grid;
  notes: string[];
}

export type PrepareOutcome = { ok: true; prepared: Prepared } | { ok: false; message: string };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Places values on the timestamp grid (a gap becomes missing values), then fills interior holes
 * and drops missing ends. `m` is the period to fill with when the caller gave one.
 */
export function prepareSeries(
  values: ArrayLike<number | null | undefined>,
  timestamps: ArrayLike<Timestamp> | undefined,
  m: number | undefined,
): PrepareOutcome {
  const notes: string[] = [];
  let raw: Float64Array;
  let grid: Grid | undefined;
  let nonFinite = 0;
  const read = (v: number | null | undefined) => {
    if (v === null || v === undefined || Number.isNaN(v)) return Number.NaN;
    if (!Number.isFinite(v)) {
      nonFinite++;
      return Number.NaN;
    }
    return v;
  };
  if (timestamps) {
    if (timestamps.length !== values.length) {
      return { ok: false, message: `got ${values.length} values but ${timestamps.length} timestamps` };
    }
    const outcome = timestampGrid(timestamps);
    if (!outcome.ok) return outcome;
    grid = outcome.grid;
    const last = grid.slots[grid.slots.length - 1] ?? -1;
    raw = new Float64Array(last + 1).fill(Number.NaN);
    for (let i = 0; i < values.length; i++) raw[grid.slots[i] as number] = read(values[i]);
    const gaps = raw.length - values.length;
    if (gaps > 0)
      notes.push(`${plural(gaps, "missing timestamp")} in gaps of the ${grid.frequency ?? "inferred"} grid`);
  } else {
    raw = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) raw[i] = read(values[i]);
  }
  if (nonFinite > 0) notes.push(`${plural(nonFinite, "infinite value")} treated as missing`);
  const filled = fillMissing(raw, m ?? grid?.m ?? 1);
  if (filled.leading > 0)
    notes.push(`dropped ${plural(filled.leading, "missing value")} before the first observation`);
  if (filled.trailing > 0) {
    notes.push(
      `dropped ${plural(filled.trailing, "missing value")} after the last observation; the forecast starts after it`,
    );
  }
  if (filled.filled > 0) notes.push(`interpolated ${plural(filled.filled, "missing point")}`);
  return { ok: true, prepared: { y: filled.values, ...(grid && { grid }), notes } };
}
