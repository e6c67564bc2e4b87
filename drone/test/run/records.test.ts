import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/runner.js";
import { collector, jobFor } from "../helpers.js";

/** In the shape of a BLS v2 answer: year and period fields, monthly and annual-average rows. */
const BLS = {
  status: "REQUEST_SUCCEEDED",
  Results: {
    series: [
      {
        seriesID: "APU0000701111",
        data: [
          { year: "2022", period: "M13", periodName: "Annual", value: "0.455", footnotes: [{}] },
          { year: "2022", period: "M02", periodName: "February", value: "0.459", footnotes: [{}] },
          { year: "2022", period: "M01", periodName: "January", value: "-", footnotes: [{}] },
        ],
      },
    ],
  },
};

describe("records: expressions and filters", () => {
  let source: HttpSource;
  beforeAll(async () => {
    source = await startHttpSource({
      "/bls": { body: BLS },
      "/prices": {
        body: {
          data: [
            { t: "2024-01-01", low: "1.5", high: "2.5" },
            { t: "2024-01-02", low: "(NA)", high: "2.7" },
            { t: "2024-01-03", low: null, high: "n/a" },
            { t: "2024-01-04", low: "..", high: "" },
            { t: "2024-01-05", low: "1.1", high: null },
          ],
        },
      },
    });
  });
  afterAll(() => source.close());

  it("builds times with expr:, drops filtered rows and counts why records were skipped", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        { url: `${source.url}/bls`, method: "POST", body: { json: { seriesid: ["APU0000701111"] } } },
        {
          path: "$.Results.series[*].data[*]",
          filter: 'period != "M13"',
          time: { field: 'expr:year & "-" & $substring(period, 1)', format: "yyyy-MM" },
          dims: { series: 'expr:"APU0000701111"' },
          measures: { price: { field: "value", unit: "USD per pound" } },
        },
      ),
      1,
      deps,
    );
    expect(outcome).toMatchObject({
      status: "succeeded",
      stats: { recordsIn: 3, recordsOut: 1, skipped: { "filtered out": 1, "no numeric measure": 1 } },
    });
    // Each skipped record once, under the reason that decided it; the kept one has no nulls.
    expect(outcome.stats.skipped).toEqual({ "filtered out": 1, "no numeric measure": 1 });
    expect(outcome.stats.nulls).toEqual({});
    expect(records()).toEqual([
      {
        key: "APU0000701111|2022-02-01T00:00:00.000Z",
        time: "2022-02-01T00:00:00.000Z",
        dims: { series: "APU0000701111" },
        measures: { price: 0.459 },
      },
    ]);
  });

  it("counts a skipped record once and the null values of kept records apart", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        { url: `${source.url}/prices` },
        { time: { field: "t", format: "yyyy-MM-dd" }, measures: { low: "low", high: "high" } },
      ),
      1,
      deps,
    );
    expect(outcome.stats).toMatchObject({ recordsIn: 5, recordsOut: 3 });
    expect(outcome.stats.skipped).toEqual({ "no numeric measure": 2 });
    expect(outcome.stats.nulls).toEqual({ "value missing marker": 1, "value missing": 1 });
    expect(records().map((r) => r.measures)).toEqual([
      { low: 1.5, high: 2.5 },
      { low: null, high: 2.7 },
      { low: 1.1, high: null },
    ]);
  });

  it("fails before any request when an expression does not compile", async () => {
    const before = source.requests.length;
    const { deps } = collector();
    const outcome = await runJob(
      jobFor({ url: `${source.url}/bls` }, { measures: { v: "expr:value +" } }),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "failed", error: { code: "profile_invalid" } });
    expect(outcome.error?.message).toMatch(/^records\.measures\.v: "value \+" is not valid JSONata/);
    expect(source.requests.length).toBe(before);
  });

  it("counts records whose expression fails", async () => {
    const { deps } = collector();
    const outcome = await runJob(
      jobFor(
        { url: `${source.url}/bls` },
        { path: "$.Results.series[*].data[*]", measures: { v: 'expr:"x" + 1' } },
      ),
      1,
      deps,
    );
    expect(outcome.stats.skipped).toEqual({ "expression failed": 3 });
  });
});
