/**
 * @module `expr:` field references and the record filter, in JSONata. A field that a dot path
 * cannot express (`expr:$number(value) / 1000`, `expr:year & "-" & period`) is evaluated once per
 * record before the record is normalised; the filter keeps a record when JSONata's `$boolean` of
 * its result is true. The run's variables are bound as `$cursor` and the fan-out's `$value` (or
 * its `as` name). Expressions are compiled once per run and a syntax error names the field.
 *
 * @example
 * const compiled = compileExpressions(records); // records.dims.year = "expr:$substring(date, 0, 4)"
 * await compiled.value?.evaluate({ date: "2024-05-01" }, {}); // { keep: true, computed: Map { ... => "2024" } }
 */
import type { RecordsSpec } from "@chartly/contracts";
import jsonata from "jsonata";

export const EXPR_PREFIX = "expr:";

export const isExpression = (ref: string): boolean => ref.startsWith(EXPR_PREFIX);

export interface Evaluated {
  keep: boolean;
  /** Values of the `expr:` references, keyed by the reference as written. */
  computed: Map<string, unknown>;
  /** Why an expression failed on this record; the record is then skipped. */
  error?: string;
}

export interface RecordExpressions {
  evaluate(record: unknown, bindings: Record<string, unknown>): Promise<Evaluated>;
}

export type Compiled = { ok: true; value: RecordExpressions | undefined } | { ok: false; message: string };

/** Compiles the spec's expressions; `value` is undefined when it has none, so records skip this step. */
export function compileExpressions(spec: RecordsSpec): Compiled {
  const fields = new Map<string, jsonata.Expression>();
  for (const [field, ref] of fieldRefs(spec)) {
    if (!isExpression(ref) || fields.has(ref)) continue;
    const compiled = compile(ref.slice(EXPR_PREFIX.length), `records.${field}`);
    if (!compiled.ok) return compiled;
    fields.set(ref, compiled.expression);
  }
  let filter: jsonata.Expression | undefined;
  if (spec.filter !== undefined) {
    const source = isExpression(spec.filter) ? spec.filter.slice(EXPR_PREFIX.length) : spec.filter;
    const compiled = compile(`$boolean((${source}))`, "records.filter", source);
    if (!compiled.ok) return compiled;
    filter = compiled.expression;
  }
  if (fields.size === 0 && filter === undefined) return { ok: true, value: undefined };

  return {
    ok: true,
    value: {
      async evaluate(record, bindings) {
        const computed = new Map<string, unknown>();
        try {
          if (filter && (await filter.evaluate(record, bindings)) !== true) return { keep: false, computed };
          for (const [ref, expression] of fields)
            computed.set(ref, await expression.evaluate(record, bindings));
          return { keep: true, computed };
        } catch (error) {
          return { keep: false, computed, error: (error as Error).message };
        }
      },
    },
  };
}

/** Every field reference in the records spec, with where it is. */
export function fieldRefs(spec: RecordsSpec): [string, string][] {
  const refs: [string, string][] = [["time.field", spec.time.field]];
  if (spec.time.year !== undefined) refs.push(["time.year", spec.time.year]);
  spec.key?.forEach((ref, index) => {
    refs.push([`key.${index}`, ref]);
  });
  for (const [name, ref] of Object.entries(spec.dims)) refs.push([`dims.${name}`, ref]);
  for (const [name, measure] of Object.entries(spec.measures)) {
    refs.push([`measures.${name}`, typeof measure === "string" ? measure : measure.field]);
  }
  return refs;
}

function compile(
  text: string,
  field: string,
  shown = text,
): { ok: true; expression: jsonata.Expression } | { ok: false; message: string } {
  try {
    return { ok: true, expression: jsonata(text) };
  } catch (error) {
    const { message, position } = error as { message?: string; position?: number };
    const at = position === undefined ? "" : ` (near character ${position})`;
    return { ok: false, message: `${field}: ${JSON.stringify(shown)} is not valid JSONata: ${message}${at}` };
  }
}
