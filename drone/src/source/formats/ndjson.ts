/**
 * @module Newline-delimited JSON, parsed line by line as it streams in; blank lines are ignored.
 * Integers beyond 2^53 are kept exact, as text (see json.ts).
 */
import { SourceStop, snippet } from "../failure.js";
import { parseJsonText } from "./json.js";

export async function* ndjsonLines(text: AsyncIterable<string>, where: string): AsyncGenerator<unknown> {
  let pending = "";
  let line = 0;
  const parse = (raw: string): unknown => {
    line++;
    const trimmed = raw.trim();
    if (trimmed === "") return undefined;
    try {
      return parseJsonText(trimmed);
    } catch (error) {
      throw new SourceStop({
        code: "source_not_json",
        message: `${where}: line ${line} is not JSON: ${(error as Error).message}; it starts "${snippet(trimmed)}"`,
      });
    }
  };
  for await (const chunk of text) {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const raw of lines) {
      const value = parse(raw);
      if (value !== undefined) yield value;
    }
  }
  const last = parse(pending);
  if (last !== undefined) yield last;
}
