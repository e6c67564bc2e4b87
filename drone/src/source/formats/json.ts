/**
 * @module JSON bodies, read whole: pagination may need any part of the document. Integers beyond
 * 2^53 (64-bit ids, snowflake cursors) are kept as the digits the source sent, as text: a plain
 * `JSON.parse` rounds `1858735296123456789` to `1858735296123456800`, and a cursor or id rounded
 * that way asks the source for the wrong page or names the wrong thing.
 */
import { parse as parseExact } from "lossless-json";
import { fail, ok, type Result, snippet } from "../failure.js";

export function parseJson(text: string, where: string, contentType: string | null): Result<unknown> {
  try {
    return ok(parseJsonText(text));
  } catch (error) {
    return fail(
      "source_not_json",
      `${where} did not return JSON (${contentType ?? "no content-type"}): ${(error as Error).message}; body starts "${snippet(text)}"`,
    );
  }
}

/**
 * Sixteen digits or more, not part of a fraction or exponent: the document may hold an integer a
 * double cannot (the decimals of `0.30000000000000004` do not count).
 */
const LONG_INTEGER = /(?<![\d.])\d{16,}(?![\d.eE])/;
const INTEGER = /^-?\d+$/;

/**
 * `JSON.parse`, except that integers beyond 2^53 come back as strings of their digits. Only a
 * document with such a run of digits somewhere takes the slower exact parser; like `JSON.parse`,
 * the last of duplicate keys wins.
 */
export function parseJsonText(text: string): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  return parseExact(text, null, {
    parseNumber: readNumber,
    onDuplicateKey: ({ newValue }) => newValue,
  });
}

function readNumber(literal: string): number | string {
  const number = Number(literal);
  return Number.isSafeInteger(number) || !INTEGER.test(literal) ? number : literal;
}
