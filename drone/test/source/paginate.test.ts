import { PaginationSpecSchema } from "@chartly/contracts";
import { describe, expect, it } from "vitest";
import { type PageSeen, paginator } from "../../src/source/paginate.js";

const pager = (spec: object) => paginator(PaginationSpecSchema.parse(spec));
const url = new URL("https://api.test/items?q=1");
const page = (records: number, document?: unknown, linkHeader: string | null = null): PageSeen => ({
  url,
  records,
  document,
  linkHeader,
});

describe("pagination", () => {
  it("counts pages from 1 by default and stops at totalPages, remembered from the first page", () => {
    const pages = pager({ type: "page", totalPages: "$.meta.pages" });
    expect(pages.first()).toEqual({ query: { page: "1" } });
    expect(pages.next(page(10, { meta: { pages: 3 } }))).toEqual({
      kind: "next",
      request: { query: { page: "2" } },
    });
    expect(pages.next(page(10, {}))).toEqual({ kind: "next", request: { query: { page: "3" } } });
    expect(pages.next(page(10, {}))).toEqual({ kind: "stop", reason: "totalPages reached" });
  });

  it("counts from 0 when asked, sends the page size and stops at a short page", () => {
    const pages = pager({ type: "page", start: 0, size: 2, sizeParam: "per_page" });
    expect(pages.first()).toEqual({ query: { page: "0", per_page: "2" } });
    expect(pages.next(page(2))).toEqual({ kind: "next", request: { query: { page: "1", per_page: "2" } } });
    expect(pages.next(page(1))).toEqual({ kind: "stop", reason: "short page" });
  });

  it("moves the offset by the records received and stops at totalCount", () => {
    const pages = pager({ type: "offset", limit: 20, totalCount: "$.count" });
    expect(pages.first()).toEqual({ query: { offset: "0", limit: "20" } });
    expect(pages.next(page(20, { count: "45" }))).toEqual({
      kind: "next",
      request: { query: { offset: "20", limit: "20" } },
    });
    expect(pages.next(page(20, {}))).toMatchObject({ request: { query: { offset: "40" } } });
    expect(pages.next(page(5, {}))).toEqual({ kind: "stop", reason: "totalCount reached" });
  });

  it("stops at an empty page unless told otherwise", () => {
    expect(pager({ type: "page" }).next(page(0))).toEqual({ kind: "stop", reason: "empty page" });
    const cursor = pager({ type: "cursor", param: "c", path: "$.next", stopOnEmpty: false });
    expect(cursor.next(page(0, { next: "abc" }))).toMatchObject({ kind: "next" });
  });

  it("follows a cursor until it is absent, null or empty, and calls a repeated cursor a loop", () => {
    const pages = pager({ type: "cursor", param: "cursor", path: "$.next_cursor" });
    expect(pages.first()).toEqual({});
    expect(pages.next(page(5, { next_cursor: "abc" }))).toEqual({
      kind: "next",
      request: { query: { cursor: "abc" } },
    });
    expect(pages.next(page(5, { next_cursor: "abc" }))).toMatchObject({ kind: "loop" });
    const ends = pager({ type: "cursor", param: "c", path: "$.next" });
    expect(ends.next(page(5, { next: null }))).toEqual({ kind: "stop", reason: "cursor absent" });
    expect(pager({ type: "cursor", param: "c", path: "$.next" }).next(page(5, {}))).toMatchObject({
      kind: "stop",
    });
    expect(pager({ type: "cursor", param: "c", path: "$.next" }).next(page(5, { next: "" }))).toMatchObject({
      kind: "stop",
    });
  });

  it("follows next URLs relative to the page that gave them", () => {
    const pages = pager({ type: "nextUrl", path: "$.result._links.next" });
    const step = pages.next(
      page(5, { result: { _links: { next: "/api/3/action/datastore_search?offset=5" } } }),
    );
    expect(step).toEqual({
      kind: "next",
      request: { url: new URL("https://api.test/api/3/action/datastore_search?offset=5") },
    });
    expect(pages.next(page(5, { result: { _links: { next: null } } }))).toEqual({
      kind: "stop",
      reason: "next URL absent",
    });
  });

  it("follows the Link header's next relation and stops when there is none", () => {
    const pages = pager({ type: "linkHeader" });
    const header = '<https://api.test/items?page=2>; rel="next", <https://api.test/items?page=9>; rel="last"';
    expect(pages.next(page(5, undefined, header))).toEqual({
      kind: "next",
      request: { url: new URL("https://api.test/items?page=2") },
    });
    expect(pages.next(page(5, undefined, '<https://api.test/items?page=1>; rel="first"'))).toEqual({
      kind: "stop",
      reason: "no next link",
    });
  });

  it("stops when hasMore is false, and after pagination.maxPages", () => {
    const more = pager({ type: "page", hasMore: "$.has_more" });
    expect(more.next(page(5, { has_more: true }))).toMatchObject({ kind: "next" });
    expect(more.next(page(5, { has_more: false }))).toEqual({ kind: "stop", reason: "hasMore false" });
    const two = pager({ type: "page", maxPages: 2 });
    expect(two.next(page(5))).toMatchObject({ kind: "next" });
    expect(two.next(page(5))).toEqual({ kind: "stop", reason: "pagination.maxPages" });
  });

  it("recognises a page whose bytes were seen before", () => {
    const pages = pager({ type: "page" });
    expect(pages.repeats("a")).toBe(false);
    expect(pages.repeats("b")).toBe(false);
    expect(pages.repeats("a")).toBe(true);
  });

  it("reads one page when there is no pagination", () => {
    const pages = paginator(undefined);
    expect(pages.first()).toEqual({});
    expect(pages.next(page(5))).toEqual({ kind: "stop", reason: "no pagination" });
  });
});
