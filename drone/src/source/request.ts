/**
 * @module Building one HTTP request from a profile's request fields, the run's variables and the
 * page being asked for. Pure: the result is a plan that the auth step completes and the HTTP step
 * sends.
 */
import type { BodySpec, SourceFormat } from "@chartly/contracts";
import { fail, ok, type Result } from "./failure.js";
import { renderJson, renderString, secretNames, type TemplateContext } from "./template.js";

/** The request fields a source and a fan-out's parent request share. */
export interface RequestSpec {
  url: string;
  method: "GET" | "POST";
  query: Record<string, string | number | boolean>;
  headers: Record<string, string>;
  body?: BodySpec | undefined;
  format: SourceFormat;
}

export interface RequestPlan {
  method: string;
  url: URL;
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string;
  /** Headers holding credentials: dropped when a redirect leaves the origin. */
  sensitiveHeaders: string[];
}

/** What pagination adds: query parameters for the next page, or the next page's whole URL. */
export interface PageRequest {
  query?: Record<string, string>;
  url?: URL;
}

const ACCEPT: Record<SourceFormat, string> = {
  json: "application/json",
  ndjson: "application/x-ndjson, application/json;q=0.9, */*;q=0.1",
  csv: "text/csv, text/plain;q=0.9, */*;q=0.1",
  xml: "application/xml, text/xml;q=0.9, */*;q=0.1",
};

/** `section` names the profile section in messages (`source`, `source.fanOut.from`). */
export function buildRequest(
  spec: RequestSpec,
  context: TemplateContext,
  page: PageRequest = {},
  section = "source",
): Result<RequestPlan> {
  const at =
    (field: string) =>
    (result: Result<unknown> & { ok: false }): Result<RequestPlan> => ({
      ok: false,
      failure: { ...result.failure, message: `${section}.${field}: ${result.failure.message}` },
    });

  let url: URL;
  if (page.url) {
    url = new URL(page.url);
  } else {
    const text = renderString(spec.url, context, encodeURIComponent);
    if (!text.ok) return at("url")(text);
    try {
      url = new URL(text.value);
    } catch {
      return fail("profile_invalid", `${section}.url is not a valid URL once its references are filled in`);
    }
    for (const [name, template] of Object.entries(spec.query)) {
      const value = renderString(String(template), context);
      if (!value.ok) return at(`query.${name}`)(value);
      url.searchParams.set(name, value.value);
    }
  }
  for (const [name, value] of Object.entries(page.query ?? {})) url.searchParams.set(name, value);

  const headers: Record<string, string> = { accept: ACCEPT[spec.format], "user-agent": "chartly-drone" };
  const sensitiveHeaders: string[] = [];
  for (const [name, template] of Object.entries(spec.headers)) {
    const value = renderString(template, context);
    if (!value.ok) return at(`headers.${name}`)(value);
    headers[name.toLowerCase()] = value.value;
    if (secretNames(template).size > 0) sensitiveHeaders.push(name.toLowerCase());
  }

  const plan: RequestPlan = { method: spec.method, url, headers, sensitiveHeaders };
  if (spec.body?.json !== undefined) {
    const body = renderJson(spec.body.json, context);
    if (!body.ok) return at("body.json")(body);
    plan.body = JSON.stringify(body.value);
    headers["content-type"] ??= "application/json";
  } else if (spec.body?.form !== undefined) {
    const form = new URLSearchParams();
    for (const [name, template] of Object.entries(spec.body.form)) {
      const value = renderString(String(template), context);
      if (!value.ok) return at(`body.form.${name}`)(value);
      form.set(name, value.value);
    }
    plan.body = form.toString();
    headers["content-type"] ??= "application/x-www-form-urlencoded";
  }
  return ok(plan);
}
