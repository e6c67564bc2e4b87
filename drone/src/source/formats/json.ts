/** @module JSON bodies, read whole: pagination may need any part of the document. */
import { fail, ok, type Result, snippet } from "../failure.js";

export function parseJson(text: string, where: string, contentType: string | null): Result<unknown> {
  try {
    return ok(JSON.parse(text));
  } catch (error) {
    return fail(
      "source_not_json",
      `${where} did not return JSON (${contentType ?? "no content-type"}): ${(error as Error).message}; body starts "${snippet(text)}"`,
    );
  }
}
