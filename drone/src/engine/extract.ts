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
  const simple = simpleSelector(path);
  if (simple) return simple(body);
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

/** Names and indexes (`data`, `1`, `hourly-data`) and wildcards: what most records paths are. */
const PLAIN_SEGMENT = /^[\w-]+$/;

type Selector = (body: unknown) => unknown[];
const selectors = new Map<string, Selector | null>();

/**
 * A selector for paths made only of names, indexes and `*` (`$[1][*]`, `$.data[*]`,
 * `$.Results.series[*].data[*]`), walking the document directly instead of through the general
 * evaluator, which builds path bookkeeping for every match; null for any other path. It selects
 * what jsonpath-plus selects for such paths, and a single array lands as its elements likewise.
 */
function simpleSelector(path: string): Selector | null {
  const known = selectors.get(path);
  if (known !== undefined) return known;
  let selector: Selector | null = null;
  const segments = JSONPath.toPathArray(path).slice(1);
  if (JSONPath.toPathArray(path)[0] === "$" && segments.every((s) => s === "*" || PLAIN_SEGMENT.test(s))) {
    const many = segments.includes("*");
    selector = (body) => {
      let nodes: unknown[] = [body];
      for (const segment of segments) {
        const next: unknown[] = [];
        for (const node of nodes) {
          if (node === null || typeof node !== "object") continue;
          if (segment === "*") {
            if (Array.isArray(node)) for (const item of node) next.push(item);
            else for (const key of Object.keys(node)) next.push((node as Record<string, unknown>)[key]);
          } else if (Object.hasOwn(node, segment)) {
            next.push((node as Record<string, unknown>)[segment]);
          }
        }
        nodes = next;
      }
      const [only] = nodes;
      return !many && nodes.length === 1 && Array.isArray(only) ? only : nodes;
    };
  }
  if (selectors.size < 1000) selectors.set(path, selector);
  return selector;
}
