/**
 * @module Pagination as a pure state machine. It says what to ask for first, and after each page
 * (its document, `Link` header, number of records) whether to go on and with which parameters or
 * URL, or why to stop. Stop signals, in order: a repeated page (a loop: the run ends `partial`),
 * an empty page, `pagination.maxPages`, a false `hasMore`, `totalPages` or `totalCount` reached
 * (remembered from the page that had them, often only the first), and each type's own end: a
 * short page for page and offset paging, a missing, null or empty cursor or next URL, no `next`
 * link. A cursor or URL seen before is a loop as well.
 */
import type { PaginationSpec } from "@chartly/contracts";
import LinkHeader from "http-link-header";
import { firstMatch } from "../engine/index.js";
import type { PageRequest } from "./request.js";

export interface PageSeen {
  /** The URL that was requested (relative next URLs resolve against it). */
  url: URL;
  /** The parsed body, for JSON and XML pages. */
  document?: unknown;
  linkHeader: string | null;
  /** Records (items selected by `records.path`) on the page. */
  records: number;
}

export type PageStep =
  | { kind: "next"; request: PageRequest }
  | { kind: "stop"; reason: string }
  | { kind: "loop"; reason: string };

export interface Paginator {
  first(): PageRequest;
  /** Records a page's fingerprint; true when an earlier page had the same one. */
  repeats(fingerprint: string): boolean;
  next(page: PageSeen): PageStep;
}

type Paged = Exclude<PaginationSpec, { type: "none" }>;

export function paginator(spec: PaginationSpec | undefined): Paginator {
  if (!spec || spec.type === "none") {
    return {
      first: () => ({}),
      repeats: () => false,
      next: () => ({ kind: "stop", reason: "no pagination" }),
    };
  }
  const fingerprints = new Set<string>();
  const followed = new Set<string>();
  let pages = 0;
  let records = 0;
  let offset = spec.type === "offset" ? spec.start : 0;
  let totalPages: number | undefined;
  let totalCount: number | undefined;

  return {
    first: () => firstRequest(spec),
    repeats(fingerprint) {
      if (fingerprints.has(fingerprint)) return true;
      fingerprints.add(fingerprint);
      return false;
    },
    next(page) {
      pages++;
      records += page.records;
      totalPages = numberAt(page.document, spec.totalPages) ?? totalPages;
      totalCount = numberAt(page.document, spec.totalCount) ?? totalCount;

      if (page.records === 0 && spec.stopOnEmpty) return stop("empty page");
      if (spec.maxPages !== undefined && pages >= spec.maxPages) return stop("pagination.maxPages");
      if (spec.hasMore !== undefined && !truthy(firstMatch(page.document, spec.hasMore)))
        return stop("hasMore false");
      if (totalPages !== undefined && pages >= totalPages) return stop("totalPages reached");
      if (totalCount !== undefined && records >= totalCount) return stop("totalCount reached");

      switch (spec.type) {
        case "page": {
          if (spec.size !== undefined && page.records < spec.size) return stop("short page");
          return { kind: "next", request: { query: pageQuery(spec, spec.start + pages) } };
        }
        case "offset": {
          if (spec.limit !== undefined && page.records < spec.limit) return stop("short page");
          offset += page.records;
          return { kind: "next", request: { query: offsetQuery(spec, offset) } };
        }
        case "cursor": {
          const cursor = firstMatch(page.document, spec.path);
          if (cursor === undefined || cursor === null || cursor === "") return stop("cursor absent");
          if (typeof cursor === "object") return stop("cursor is not a string or number");
          const value = String(cursor);
          if (followed.has(value))
            return loop(`cursor ${JSON.stringify(cut(value))} came back a second time`);
          followed.add(value);
          return { kind: "next", request: { query: { [spec.param]: value } } };
        }
        case "nextUrl": {
          const next = firstMatch(page.document, spec.path);
          if (next === undefined || next === null || next === "") return stop("next URL absent");
          if (typeof next !== "string") return stop("next URL is not a string");
          return follow(next, page.url, "next URL");
        }
        case "linkHeader": {
          const link = page.linkHeader ? parseLink(page.linkHeader, spec.rel) : undefined;
          if (!link) return stop(`no ${spec.rel} link`);
          return follow(link, page.url, `${spec.rel} link`);
        }
      }
    },
  };

  function follow(target: string, base: URL, what: string): PageStep {
    let url: URL;
    try {
      url = new URL(target, base);
    } catch {
      return stop(`${what} is not a URL`);
    }
    const key = url.toString();
    if (followed.has(key) || key === base.toString()) {
      return loop(`${what} ${url.origin}${url.pathname} repeated a page already read`);
    }
    followed.add(key);
    return { kind: "next", request: { url } };
  }
}

function firstRequest(spec: Paged): PageRequest {
  switch (spec.type) {
    case "page":
      return { query: pageQuery(spec, spec.start) };
    case "offset":
      return { query: offsetQuery(spec, spec.start) };
    default:
      return {};
  }
}

function pageQuery(spec: Extract<Paged, { type: "page" }>, page: number): Record<string, string> {
  const query: Record<string, string> = { [spec.param]: String(page) };
  if (spec.size !== undefined && spec.sizeParam) query[spec.sizeParam] = String(spec.size);
  return query;
}

function offsetQuery(spec: Extract<Paged, { type: "offset" }>, offset: number): Record<string, string> {
  const query: Record<string, string> = { [spec.param]: String(offset) };
  if (spec.limit !== undefined) query[spec.limitParam] = String(spec.limit);
  return query;
}

/** A number at a path: JSON numbers and numeric strings (EIA sends `"total": "8760"`). */
function numberAt(document: unknown, path: string | undefined): number | undefined {
  if (path === undefined) return undefined;
  const value = firstMatch(document, path);
  const number =
    typeof value === "number"
      ? value
      : typeof value === "string" && value.trim() !== ""
        ? Number(value)
        : NaN;
  return Number.isFinite(number) ? number : undefined;
}

function truthy(value: unknown): boolean {
  if (typeof value === "string") return value.toLowerCase() === "true";
  return Boolean(value);
}

function parseLink(header: string, rel: string): string | undefined {
  try {
    return LinkHeader.parse(header).rel(rel)[0]?.uri;
  } catch {
    return undefined;
  }
}

const stop = (reason: string): PageStep => ({ kind: "stop", reason });
const loop = (reason: string): PageStep => ({ kind: "loop", reason });
const cut = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);
