/**
 * @module Finding the records in a response body with the profile's JSONPath (`$[1][*]`,
 * `$.data[*]`). A path that names one node rather than selecting many (`$`, `$.data`) and lands
 * on an array means that array is the list of records, which is how `$`, the default, reads for
 * a body that is itself the list.
 */
import { JSONPath } from "jsonpath-plus";

/** Segments that can select more than one node: wildcards, descent, filters, scripts, slices, unions. */
const SELECTS_MANY = /^(?:\*|\.\.|\^|~)$|^[?(]|[:,@]/;

export function selectRecords(body: unknown, path: string): unknown[] {
  if (body === null || typeof body !== "object") {
    const got = body === null ? "null" : typeof body;
    throw new Error(`records path "${path}" needs a JSON object or array as the body, got ${got}`);
  }
  // Paths come from tenants' profiles, so filter expressions run in the library's sandboxed
  // evaluator, never as JavaScript.
  const matches: unknown = JSONPath({ path, json: body, wrap: true, eval: "safe" });
  if (!Array.isArray(matches)) return [];
  const [only] = matches;
  if (matches.length === 1 && Array.isArray(only) && isSingleNode(path)) return only;
  return matches;
}

function isSingleNode(path: string): boolean {
  return JSONPath.toPathArray(path).every((segment) => segment === "$" || !SELECTS_MANY.test(segment));
}

/** The first value a JSONPath selects in a document, for single values such as a next cursor. */
export function firstMatch(document: unknown, path: string): unknown {
  if (document === null || typeof document !== "object") return undefined;
  const matches: unknown = JSONPath({ path, json: document, wrap: true, eval: "safe" });
  return Array.isArray(matches) ? matches[0] : undefined;
}
