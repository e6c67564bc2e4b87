// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/runner.js";
import { collector, hours, jobFor } from "../helpers.js";

describe("fan-out", () => {
  let source: HttpSource;
  const urlsOf = (path: string) =>
    source.requests.filter((r) => r.parsed.pathname === path).map((r) => r.url);

  beforeAll(async () => {
    source = await startHttpSource({
      "/states": { body: { states: ["06", "36"] } },
      "/by-state": {
        respond: ({ parsed }) => ({
          body: { data: hours(Number(parsed.searchParams.get("state")), 2).data },
        }),
      },
      "/series": { body: { seriess: [{ id: "GDP" }, { id: "CPI" }, { id: "GDP" }] } },
      "/observations": {
        respond: ({ parsed }) => {
          const page = Number(parsed.searchParams.get("page") ?? "1");
          const offset = parsed.searchParams.get("series_id") === "GDP" ? 0 : 100;
          return { body: { pages: 2, data: hours(offset + page * 10, 2).data } };
        },
      },
      "/bls": {
        respond: ({ body }) => {
          const [series] = (JSON.parse(body) as { seriesid: string[] }).seriesid;
          return {
            body: {
              Results: { series: [{ seriesID: series, data: hours(series === "B" ? 5 : 0, 1).data }] },
            },
          };
        },
      },
      "/objects": { body: { items: [{ id: 1 }, { nested: { id: 2 } }] } },
    });
  });
  afterAll(() => source.close());

  it("runs the request once per value of a static list, the value available to expressions", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        {
          url: `${source.url}/by-state`,
          query: { state: "${state}" },
          fanOut: { as: "state", values: ["06", "36"] },
        },
        { dims: { state: "expr:$state" } },
      ),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { pages: 2, recordsOut: 4 } });
    expect(urlsOf("/by-state").slice(-2)).toEqual(["/by-state?state=06", "/by-state?state=36"]);
    expect(records().map((r) => [r.dims.state, r.measures.v])).toEqual([
      ["06", 6],
      ["06", 7],
      ["36", 36],
      ["36", 37],
    ]);
  });

  it("takes the values from a parent request, once each, and pages every one of them", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        {
          url: `${source.url}/observations`,
          query: { series_id: "${value}" },
          pagination: { type: "page", totalPages: "$.pages" },
          fanOut: { from: { url: `${source.url}/series`, path: "$.seriess[*].id" } },
        },
        { dims: { series: "expr:$value" } },
      ),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { pages: 5, requests: 5, recordsOut: 8 } });
    expect(urlsOf("/observations").slice(-4)).toEqual([
      "/observations?series_id=GDP&page=1",
      "/observations?series_id=GDP&page=2",
      "/observations?series_id=CPI&page=1",
      "/observations?series_id=CPI&page=2",
    ]);
    expect(new Set(records().map((r) => r.dims.series))).toEqual(new Set(["GDP", "CPI"]));
  });

  it("puts each value into a POST body, keeping its type", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        {
          url: `${source.url}/bls`,
          method: "POST",
          body: { json: { seriesid: ["${value}"], startyear: 2024 } },
          fanOut: { values: ["A", "B"] },
        },
        { path: "$.Results.series[*].data[*]" },
      ),
      1,
      deps,
    );
    expect(outcome.status).toBe("succeeded");
    expect(records().map((r) => r.measures.v)).toEqual([0, 5]);
  });

  it("fails saying what the parent path selected when it is not a list of values", async () => {
    const { deps } = collector();
    const outcome = await runJob(
      jobFor({
        url: `${source.url}/observations`,
        query: { id: "${value}" },
        fanOut: { from: { url: `${source.url}/objects`, path: "$.items[*]" } },
      }),
      1,
      deps,
    );
    expect(outcome.error).toEqual({
      code: "fan_out_failed",
      message: `source.fanOut.from.path "$.items[*]" selected object at position 0 of GET ${source.url}/objects; it must select strings or numbers, e.g. $.items[*].id`,
    });
  });

  it("reads the values of a parent answering in CSV", async () => {
    source.set("/states.csv", {
      body: "code,name\n06,California\n36,New York\n",
      headers: { "content-type": "text/csv" },
    });
    const { deps } = collector();
    const outcome = await runJob(
      jobFor({
        url: `${source.url}/by-state`,
        query: { state: "${value}" },
        fanOut: { from: { url: `${source.url}/states.csv`, format: "csv", path: "$.code" } },
      }),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 4 } });
  });
});
