/**
 * @module Rendering a raw source value for a skip reason. Reasons end up in logs and error
 * messages, so a value is quoted the way it appeared in the JSON (strings in quotes, so `"12"`
 * and `12` stay distinguishable) and cut short, so one huge field cannot flood a log line.
 */

const MAX_LENGTH = 60;

export function show(value: unknown): string {
  let text: string;
  if (value === undefined) {
    text = "undefined";
  } else if (typeof value === "number" || typeof value === "bigint") {
    // JSON.stringify would turn NaN and Infinity into "null", hiding the actual problem.
    text = String(value);
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1)}…` : text;
}
