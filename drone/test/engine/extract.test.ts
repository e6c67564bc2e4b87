import { JSONPath } from "jsonpath-plus";
import { describe, expect, it } from "vitest";
import { selectRecords } from "../../src/engine/extract.js";
import { loadFixture } from "./fixtures.js";

describe("selectRecords", () => {
  it("selects the World Bank records from the second element of the body", () => {
    const body = loadFixture("worldbank-JPN-USA-NY.GDP.MKTP.CD-page1-of3.json");
    const records = selectRecords(body, "$[1][*]");
    expect(records).toHaveLength(50);
    expect(records[0]).toMatchObject({ countryiso3code: "JPN", date: "2020", value: null });
  });

  it("selects the NOAA CO-OPS observations under data", () => {
    const body = loadFixture("noaa-coops-water_temperature-8723970.json");
    const records = selectRecords(body, "$.data[*]");
    expect(records).toHaveLength(480);
    expect(records[0]).toEqual({ t: "2014-09-27 00:00", v: "30.1", f: "0,0,0" });
  });

  it("reads a path that names an array as the list of records", () => {
    expect(selectRecords([{ a: 1 }, { a: 2 }], "$")).toEqual([{ a: 1 }, { a: 2 }]);
    expect(selectRecords({ data: [{ a: 1 }] }, "$.data")).toEqual([{ a: 1 }]);
    expect(selectRecords({ data: { rows: [[1, 2]] } }, "$['data'].rows")).toEqual([[1, 2]]);
  });

  it("keeps each match of a wildcard path as one record, even when it is an array", () => {
    expect(selectRecords({ rows: [[1, 2]] }, "$.rows[*]")).toEqual([[1, 2]]);
  });

  it("treats a single object as one record", () => {
    expect(selectRecords({ data: { a: 1 } }, "$.data")).toEqual([{ a: 1 }]);
  });

  it("supports filters and recursive descent", () => {
    const body = { data: [{ a: 1 }, { a: 2 }, { a: 3 }] };
    expect(selectRecords(body, "$.data[?(@.a > 1)]")).toEqual([{ a: 2 }, { a: 3 }]);
    expect(selectRecords(body, "$..a")).toEqual([1, 2, 3]);
  });

  it("returns no records when the path matches nothing", () => {
    expect(selectRecords({ data: [] }, "$.data[*]")).toEqual([]);
    expect(selectRecords({}, "$.results[*]")).toEqual([]);
    expect(selectRecords({}, "$.results")).toEqual([]);
  });

  it("throws naming the path when the body is not an object or array", () => {
    expect(() => selectRecords("<html>", "$.data[*]")).toThrow(
      'records path "$.data[*]" needs a JSON object or array as the body, got string',
    );
    expect(() => selectRecords(null, "$")).toThrow(
      'records path "$" needs a JSON object or array as the body, got null',
    );
    expect(() => selectRecords(42, "$")).toThrow(/got number/);
  });
});

describe("selectRecords on plain paths", () => {
  const document = {
    data: [{ a: 1 }, { a: 2 }],
    nested: { series: [{ data: [1, 2] }, { data: [3] }, { other: true }] },
    byName: { x: { v: 1 }, y: { v: 2 } },
    "with-dash": [5],
    "7": "seven",
    empty: [],
  };
  const general = (path: string): unknown[] => {
    const matches = JSONPath({ path, json: document, wrap: true, eval: "safe" }) as unknown[];
    const [only] = matches;
    return matches.length === 1 && Array.isArray(only) && !path.includes("*") ? only : matches;
  };

  it.each([
    "$",
    "$.data",
    "$.data[*]",
    "$.data[1]",
    "$.data[*].a",
    "$.nested.series[*].data[*]",
    "$.nested.series[*].data",
    "$.byName.*",
    "$.byName[*].v",
    "$['with-dash'][*]",
    "$.7",
    "$.empty[*]",
    "$.missing[*]",
    "$.data[5]",
  ])("selects what the general evaluator selects for %s", (path) => {
    expect(selectRecords(document, path)).toEqual(general(path));
  });
});
