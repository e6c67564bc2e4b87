import { readFileSync } from "node:fs";
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/runner.js";
import { collector, hours, jobFor } from "../helpers.js";

const GITLAB_LINK = (
  JSON.parse(
    readFileSync(new URL("../fixtures/gitlab-epics-page1.headers.json", import.meta.url), "utf8"),
  ) as {
    headers: { Link: string };
  }
).headers.Link;

/** 45 hourly observations, served in pages by whichever scheme a route plays. */
const ALL = hours(0, 45).data;
const slice = (from: number, count: number) => ALL.slice(from, from + count);
const int = (text: string | null, fallback: number) => (text === null ? fallback : Number(text));
/** Page cursors a double cannot hold: `JSON.parse` reads the first as 1858735296123456800. */
const SNOWFLAKES = ["1858735296123456789", "1858735296123456790"];

describe("pagination against servers that page like real APIs", () => {
  let source: HttpSource;
  const paths = (path: string) => source.requests.filter((r) => r.parsed.pathname === path).map((r) => r.url);

  beforeAll(async () => {
    source = await startHttpSource({
      // World Bank: [header, records]; this server only reports the page count on page 1.
      "/worldbank": {
        respond: ({ parsed }) => {
          const page = int(parsed.searchParams.get("page"), 1);
          const header = page === 1 ? { page, pages: 3, per_page: 20 } : { page };
          return { body: [header, slice((page - 1) * 20, 20)] };
        },
      },
      // 0-based pages with a short last page.
      "/zero": {
        respond: ({ parsed }) => ({ body: { data: slice(int(parsed.searchParams.get("p"), 0) * 20, 20) } }),
      },
      // FRED: offset and limit, with the total count in every body.
      "/fred": {
        respond: ({ parsed }) => {
          const offset = int(parsed.searchParams.get("offset"), 0);
          const limit = int(parsed.searchParams.get("limit"), 100);
          return { body: { count: 45, offset, limit, data: slice(offset, limit) } };
        },
      },
      // Socrata: `$offset` / `$limit`, a bare array, no total: the short page is the last.
      "/socrata": {
        respond: ({ parsed }) => ({
          body: slice(
            int(parsed.searchParams.get("$offset"), 0),
            int(parsed.searchParams.get("$limit"), 1000),
          ),
        }),
      },
      // A cursor in the body that is null on the last page.
      "/cursor": {
        respond: ({ parsed }) => {
          const at = int(parsed.searchParams.get("cursor"), 0);
          return { body: { data: slice(at, 20), next_cursor: at + 20 < 45 ? String(at + 20) : null } };
        },
      },
      // CKAN: a relative next URL in the body, and the total.
      "/api/3/action/datastore_search": {
        respond: ({ parsed }) => {
          const offset = int(parsed.searchParams.get("offset"), 0);
          const next = `/api/3/action/datastore_search?resource_id=gdp&offset=${offset + 20}`;
          return { body: { result: { total: 45, records: slice(offset, 20), _links: { next } } } };
        },
      },
      // GitLab: the next page in a Link header (as GitLab writes it), none on the last page.
      "/epics": {
        respond: ({ parsed }) => {
          const page = int(parsed.searchParams.get("page"), 1);
          const link =
            page < 3
              ? GITLAB_LINK.replaceAll(
                  "https://gitlab.com/api/v4/groups/2524164/epics",
                  `${source.url}/epics`,
                ).replace("page=2&", `page=${page + 1}&`)
              : `<${source.url}/epics?page=1>; rel="first"`;
          return { body: { data: slice((page - 1) * 20, 20) }, headers: { link } };
        },
      },
      // A has-more flag.
      "/more": {
        respond: ({ parsed }) => {
          const page = int(parsed.searchParams.get("page"), 1);
          return { body: { data: slice((page - 1) * 20, 20), has_more: page * 20 < 45 } };
        },
      },
      // Pages until the data runs out, then an empty page.
      "/empty-end": {
        respond: ({ parsed }) => ({
          body: { data: slice((int(parsed.searchParams.get("page"), 1) - 1) * 20, 20) },
        }),
      },
      // Serves its last page again for every page number past the end, forever.
      "/repeats": {
        respond: ({ parsed }) => {
          const page = Math.min(int(parsed.searchParams.get("page"), 1), 3);
          return { body: { data: slice((page - 1) * 20, 20) } };
        },
      },
      // A cursor that is a 64-bit id sent as a JSON number (snowflake ids), beyond 2^53.
      "/snowflake": {
        respond: ({ parsed }) => {
          const at = parsed.searchParams.get("max_id");
          const page = at === null ? 0 : ((SNOWFLAKES.indexOf(at) + 1) as number);
          const next = SNOWFLAKES[page];
          return {
            body: `{"data":${JSON.stringify(slice(page * 20, 20))},"next_max_id":${next ?? "null"}}`,
          };
        },
      },
      // A cursor that comes back.
      "/cursor-loop": {
        respond: ({ parsed }) => {
          const cursor = parsed.searchParams.get("c");
          return { body: { data: cursor ? slice(20, 20) : slice(0, 20), next: "abc" } };
        },
      },
    });
  });
  afterAll(() => source.close());

  const run = async (source: object, records: object = {}) => {
    const collected = collector();
    const outcome = await runJob(jobFor(source as never, records), 1, collected.deps);
    return { outcome, values: collected.records().map((r) => r.measures.v) };
  };
  const everything = Array.from({ length: 45 }, (_, i) => i);

  it("reads World Bank pages until the page count given on the first page", async () => {
    const { outcome, values } = await run(
      { url: `${source.url}/worldbank`, pagination: { type: "page", totalPages: "$[0].pages" } },
      { path: "$[1][*]" },
    );
    expect(outcome).toMatchObject({
      status: "succeeded",
      stats: { pages: 3, pageStops: { "totalPages reached": 1 } },
    });
    expect(values).toEqual(everything);
    expect(paths("/worldbank")).toEqual(["/worldbank?page=1", "/worldbank?page=2", "/worldbank?page=3"]);
  });

  it("counts pages from 0 and stops at the short page", async () => {
    const { outcome, values } = await run({
      url: `${source.url}/zero`,
      pagination: { type: "page", param: "p", start: 0, size: 20 },
    });
    expect(outcome.stats).toMatchObject({ pages: 3, pageStops: { "short page": 1 } });
    expect(values).toEqual(everything);
  });

  it("pages FRED by offset and limit until the count is reached", async () => {
    const { outcome, values } = await run({
      url: `${source.url}/fred`,
      pagination: { type: "offset", limit: 20, totalCount: "$.count" },
    });
    expect(outcome.stats).toMatchObject({ pages: 3, requests: 3 });
    expect(values).toEqual(everything);
    expect(paths("/fred")).toEqual([
      "/fred?offset=0&limit=20",
      "/fred?offset=20&limit=20",
      "/fred?offset=40&limit=20",
    ]);
  });

  it("pages Socrata with $offset and $limit until a short page", async () => {
    const { outcome, values } = await run(
      {
        url: `${source.url}/socrata`,
        pagination: { type: "offset", param: "$offset", limitParam: "$limit", limit: 20 },
      },
      { path: "$" },
    );
    expect(outcome.stats).toMatchObject({ pages: 3, pageStops: { "short page": 1 } });
    expect(values).toEqual(everything);
  });

  it("follows a cursor until it is null", async () => {
    const { outcome, values } = await run({
      url: `${source.url}/cursor`,
      pagination: { type: "cursor", param: "cursor", path: "$.next_cursor" },
    });
    expect(outcome.stats).toMatchObject({ pages: 3, pageStops: { "cursor absent": 1 } });
    expect(values).toEqual(everything);
    expect(paths("/cursor")).toEqual(["/cursor", "/cursor?cursor=20", "/cursor?cursor=40"]);
  });

  it("sends back a cursor beyond 2^53 with every digit the source sent", async () => {
    const { outcome, values } = await run({
      url: `${source.url}/snowflake`,
      pagination: { type: "cursor", param: "max_id", path: "$.next_max_id" },
    });
    expect(outcome.stats).toMatchObject({ pages: 3, pageStops: { "cursor absent": 1 } });
    expect(values).toEqual(everything);
    expect(paths("/snowflake")).toEqual([
      "/snowflake",
      `/snowflake?max_id=${SNOWFLAKES[0]}`,
      `/snowflake?max_id=${SNOWFLAKES[1]}`,
    ]);
  });

  it("follows CKAN's relative next URL until the total is reached", async () => {
    const { outcome, values } = await run(
      {
        url: `${source.url}/api/3/action/datastore_search`,
        query: { resource_id: "gdp" },
        pagination: { type: "nextUrl", path: "$.result._links.next", totalCount: "$.result.total" },
      },
      { path: "$.result.records[*]" },
    );
    expect(outcome.stats).toMatchObject({ pages: 3, pageStops: { "totalCount reached": 1 } });
    expect(values).toEqual(everything);
  });

  it("follows GitLab's Link header until there is no next link", async () => {
    const { outcome, values } = await run({ url: `${source.url}/epics`, pagination: { type: "linkHeader" } });
    expect(outcome.stats).toMatchObject({ pages: 3, pageStops: { "no next link": 1 } });
    expect(values).toEqual(everything);
  });

  it("stops when the has-more flag turns false", async () => {
    const { outcome, values } = await run({
      url: `${source.url}/more`,
      pagination: { type: "page", hasMore: "$.has_more" },
    });
    expect(outcome.stats).toMatchObject({ pages: 3, pageStops: { "hasMore false": 1 } });
    expect(values).toEqual(everything);
  });

  it("stops at an empty final page", async () => {
    const { outcome, values } = await run({ url: `${source.url}/empty-end`, pagination: { type: "page" } });
    expect(outcome).toMatchObject({
      status: "succeeded",
      stats: { pages: 4, pageStops: { "empty page": 1 } },
    });
    expect(values).toEqual(everything);
  });

  it("ends partial when the server serves its last page again for every later page", async () => {
    const { outcome, values } = await run({ url: `${source.url}/repeats`, pagination: { type: "page" } });
    expect(outcome).toMatchObject({
      status: "partial",
      stats: { pages: 4 },
      error: { code: "pagination_loop" },
    });
    expect(outcome.error?.message).toBe(
      `page 4 of GET ${source.url}/repeats repeated an earlier page (same body); pagination stopped`,
    );
    // The repeated page's records are not sent twice.
    expect(values).toEqual(everything);
  });

  it("ends partial when a cursor comes back", async () => {
    const { outcome } = await run({
      url: `${source.url}/cursor-loop`,
      pagination: { type: "cursor", param: "c", path: "$.next" },
    });
    expect(outcome).toMatchObject({
      status: "partial",
      stats: { pages: 2 },
      error: { code: "pagination_loop" },
    });
    expect(outcome.error?.message).toContain('cursor "abc" came back a second time');
  });

  it("stops quietly at pagination.maxPages, but partially at limits.maxPages", async () => {
    const quiet = await run({ url: `${source.url}/empty-end`, pagination: { type: "page", maxPages: 2 } });
    expect(quiet.outcome).toMatchObject({ status: "succeeded", stats: { pages: 2, recordsOut: 40 } });
    const limited = await run({
      url: `${source.url}/empty-end`,
      pagination: { type: "page" },
      limits: { maxPages: 2 },
    });
    expect(limited.outcome).toMatchObject({
      status: "partial",
      stats: { pages: 2, recordsOut: 40 },
      error: { code: "limit_pages", message: "stopped after 2 pages with more to read (limits.maxPages)" },
    });
  });
});
