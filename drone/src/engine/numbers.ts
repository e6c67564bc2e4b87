/**
 * @module Reading a measure's value. Statistical sources often send numbers as text, with
 * thousands separators, footnote flags (`12.3 (p)`, `12.3*`, Eurostat's `12.3 p`) or a marker
 * standing in for a missing value (`..`, `(NA)`, FRED's `.`). Those are read as the number or as
 * an explicit null with a reason, so a run can report why values were dropped. Anything doubtful
 * is refused rather than guessed: `1,5` is not read as 15, `12km` is not read as 12.
 */
import { show } from "./show.js";

/** Low-cardinality classes of failure, for counting skips without the raw values. */
export type NumberProblem = "value missing" | "value missing marker" | "not a number";

export interface ParsedNumber {
  value: number | null;
  /** Why the value is null, quoting the raw value. */
  reason?: string;
  kind?: NumberProblem;
}

/** Compared in lower case. None of them can be mistaken for a number. */
const MISSING_MARKERS = new Set([
  "",
  "-",
  "--",
  "–",
  "—",
  ".",
  "..",
  "...",
  "…",
  ":",
  "na",
  "n/a",
  "n.a.",
  "(na)",
  "nan",
  "null",
  "none",
]);

/**
 * A trailing footnote: asterisks, one to three letters in brackets, or (after a space, lower case
 * only) one to three of the status letters Eurostat uses. Other letters are not stripped, so a
 * unit such as `12 km` stays an error instead of losing its meaning.
 */
const BRACKETED_FOOTNOTE = /\s*(?:\*+|\(\s*[a-z]{1,3}\s*\)|\[\s*[a-z]{1,3}\s*\])$/i;
const STATUS_FLAG = /\s+[bcdefnprsuz]{1,3}$/;

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;
/** Commas only where they group thousands, so a decimal comma is refused instead of misread. */
const GROUPED = /^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$/;
/** Far longer than any written number; also keeps the unanchored footnote patterns linear. */
const MAX_LENGTH = 100;

export function parseNumber(value: unknown): ParsedNumber {
  if (value === null || value === undefined) return { value: null, reason: "missing", kind: "value missing" };
  if (typeof value === "number") {
    return Number.isFinite(value)
      ? { value }
      : { value: null, reason: `not a finite number: ${show(value)}`, kind: "not a number" };
  }
  if (typeof value !== "string") return notANumber(value);
  // Most numeric strings are plain decimals: read them before looking for markers and footnotes.
  if (DECIMAL.test(value)) {
    const number = Number(value);
    if (Number.isFinite(number)) return { value: number };
  }

  const text = value.trim();
  if (MISSING_MARKERS.has(text.toLowerCase())) return missingMarker(text);
  if (text.length > MAX_LENGTH) return notANumber(value);

  let stripped = text;
  // Flags can stack (`12.3* (p)`); each pass removes one and the text only shrinks.
  for (let pass = 0; pass < 3; pass++) {
    const next = stripped.replace(BRACKETED_FOOTNOTE, "").replace(STATUS_FLAG, "");
    if (next === stripped) break;
    stripped = next;
  }
  if (stripped !== text && MISSING_MARKERS.has(stripped.toLowerCase())) return missingMarker(text);

  const plain = GROUPED.test(stripped) ? stripped.replaceAll(",", "") : stripped;
  if (!DECIMAL.test(plain)) return notANumber(value);
  const number = Number(plain);
  if (!Number.isFinite(number)) {
    return { value: null, reason: `not a finite number: ${show(value)}`, kind: "not a number" };
  }
  return { value: number };
}

function missingMarker(text: string): ParsedNumber {
  return { value: null, reason: `missing marker ${show(text)}`, kind: "value missing marker" };
}

function notANumber(value: unknown): ParsedNumber {
  return { value: null, reason: `not a number: ${show(value)}`, kind: "not a number" };
}
