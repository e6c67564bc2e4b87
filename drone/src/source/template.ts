/**
 * @module Filling `${...}` references into a request. The grammar is the profile's
 * (`parseTemplate` in contracts): `${name}` is a variable (`cursor`, the fan-out value),
 * `${name:-text}` falls back to `text` when the variable has no value, `${secret:NAME}` is a secret
 * and `$${` a literal `${`. In a URL, substituted values are percent-encoded so they stay one path
 * segment or query value; elsewhere they are inserted as they are (query values are encoded when
 * the URL is built). In a JSON body, a string that is exactly one reference takes the value's own
 * type, so a numeric fan-out value stays a number.
 *
 * @example
 * renderString("/series/${value}/obs", { vars: { value: "A B" }, secrets: new Map() }, encodeURIComponent)
 * // → { ok: true, value: "/series/A%20B/obs" }
 */
import { parseTemplate, type TemplatePart } from "@chartly/contracts";
import { fail, ok, type Result } from "./failure.js";

export type VariableValue = string | number | boolean;

export interface TemplateContext {
  vars: Readonly<Record<string, VariableValue | undefined>>;
  secrets: ReadonlyMap<string, string>;
}

export function renderString(
  text: string,
  context: TemplateContext,
  encode: (value: string) => string = (value) => value,
): Result<string> {
  const parts = partsOf(text);
  if (!parts.ok) return parts;
  let out = "";
  for (const part of parts.value) {
    if (part.kind === "text") {
      out += part.text;
      continue;
    }
    const value = referenceValue(part, context);
    if (!value.ok) return value;
    out += encode(String(value.value));
  }
  return ok(out);
}

/** Renders every string inside a JSON value. */
export function renderJson(value: unknown, context: TemplateContext): Result<unknown> {
  if (typeof value === "string") {
    const parts = partsOf(value);
    if (!parts.ok) return parts;
    const [only] = parts.value;
    if (parts.value.length === 1 && only && only.kind !== "text") return referenceValue(only, context);
    return renderString(value, context);
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const rendered = renderJson(item, context);
      if (!rendered.ok) return rendered;
      items.push(rendered.value);
    }
    return ok(items);
  }
  if (value !== null && typeof value === "object") {
    const object: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const rendered = renderJson(item, context);
      if (!rendered.ok) return rendered;
      object[key] = rendered.value;
    }
    return ok(object);
  }
  return ok(value);
}

/** Names of the secrets referenced anywhere below `value`. */
export function secretNames(value: unknown, names = new Set<string>()): Set<string> {
  if (typeof value === "string") {
    const parsed = parseTemplate(value);
    if (parsed.ok) for (const part of parsed.parts) if (part.kind === "secret") names.add(part.name);
  } else if (Array.isArray(value)) {
    for (const item of value) secretNames(item, names);
  } else if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) secretNames(item, names);
  }
  return names;
}

function partsOf(text: string): Result<TemplatePart[]> {
  if (!text.includes("$")) return ok([{ kind: "text", text }]);
  const parsed = parseTemplate(text);
  return parsed.ok ? ok(parsed.parts) : fail("profile_invalid", parsed.message);
}

function referenceValue(
  part: Exclude<TemplatePart, { kind: "text" }>,
  context: TemplateContext,
): Result<VariableValue> {
  if (part.kind === "secret") {
    const secret = context.secrets.get(part.name);
    return secret === undefined ? fail("secret_missing", `secret ${part.name} was not resolved`) : ok(secret);
  }
  const value = context.vars[part.name];
  if (value !== undefined) return ok(value);
  if (part.fallback !== undefined) return ok(part.fallback);
  const hint =
    part.name === "cursor"
      ? `the profile has no incremental section; add one with an initial value (incremental: { initial: 2020-01-01 }) or give a start value as \${cursor:-2020-01-01}`
      : `give a fallback as \${${part.name}:-value}`;
  return fail("template_unset", `\${${part.name}} has no value: ${hint}`);
}
