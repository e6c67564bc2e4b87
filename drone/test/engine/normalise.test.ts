import { NormalisedRecordSchema, type RecordsSpec, RecordsSpecSchema } from "@chartly/contracts";
import { describe, expect, it } from "vitest";
import { selectRecords } from "../../src/engine/extract.js";
import { createNormaliser, measureUnits, normaliseAll } from "../../src/engine/normalise.js";
import { loadFixture } from "./fixtures.js";

/** Specs go through the real schema so defaults are applied as they are for a stored profile. */
const recordsSpec = (input: unknown): RecordsSpec => RecordsSpecSchema.parse(input);

describe("normaliseAll on a World Bank page", () => {
  const spec = recordsSpec({
    path: "$[1][*]",
    time: { field: "date", format: "yyyy" },
    dims: { indicator: "indicator.id", country: "countryiso3code" },
    measures: { gdp: { field: "value", unit: "current USD" } },
  });
  const raw = selectRecords(loadFixture("worldbank-JPN-USA-NY.GDP.MKTP.CD-page1-of3.json"), spec.path);
  const { records, skipped } = normaliseAll(raw, spec);

  it("keeps every year with a value and skips the one without", () => {
    expect(raw).toHaveLength(50);
    expect(records).toHaveLength(49);
    expect(skipped).toEqual({ "no numeric measure": 1 });
  });

  it("produces records keyed by dims in name order and the year's first instant", () => {
    expect(records[0]).toEqual({
      key: "JPN|NY.GDP.MKTP.CD|2019-01-01T00:00:00.000Z",
      time: "2019-01-01T00:00:00.000Z",
      dims: { country: "JPN", indicator: "NY.GDP.MKTP.CD" },
      measures: { gdp: 5081769542379.77 },
    });
    expect(records.at(-1)).toEqual({
      key: "JPN|NY.GDP.MKTP.CD|1971-01-01T00:00:00.000Z",
      time: "1971-01-01T00:00:00.000Z",
      dims: { country: "JPN", indicator: "NY.GDP.MKTP.CD" },
      measures: { gdp: 240151807460.241 },
    });
  });

  it("gives each observation its own key", () => {
    expect(new Set(records.map((record) => record.key)).size).toBe(49);
  });

  it("produces records that satisfy the published record schema", () => {
    for (const record of records) expect(NormalisedRecordSchema.safeParse(record).success).toBe(true);
  });
});

describe("normaliseAll on a NOAA CO-OPS water temperature series", () => {
  const spec = recordsSpec({
    path: "$.data[*]",
    time: { field: "t", format: "iso" },
    measures: { water_temperature: { field: "v", unit: "°C" } },
  });
  const raw = selectRecords(loadFixture("noaa-coops-water_temperature-8723970.json"), spec.path);

  it("reads string values and skips the observation recorded as an empty string", () => {
    const { records, skipped } = normaliseAll(raw, spec);
    expect(raw).toHaveLength(480);
    expect(records).toHaveLength(479);
    expect(skipped).toEqual({ "no numeric measure": 1 });
    expect(records[0]).toEqual({
      key: "2014-09-27T00:00:00.000Z",
      time: "2014-09-27T00:00:00.000Z",
      dims: {},
      measures: { water_temperature: 30.1 },
    });
    expect(records[239]?.time).toBe("2014-09-27T23:54:00.000Z");
    expect(records[240]).toMatchObject({
      time: "2014-09-28T00:06:00.000Z",
      measures: { water_temperature: 30.4 },
    });
    expect(records.at(-1)).toMatchObject({
      time: "2014-09-28T23:54:00.000Z",
      measures: { water_temperature: 30.6 },
    });
  });

  it("reads the zone-less times in the profile's timezone", () => {
    const shifted = recordsSpec({ ...spec, time: { field: "t", format: "iso", timezone: "-05:00" } });
    const { records } = normaliseAll(raw, shifted);
    expect(records[0]?.time).toBe("2014-09-27T05:00:00.000Z");
    expect(records.at(-1)?.time).toBe("2014-09-29T04:54:00.000Z");
  });

  it("says why the empty observation was skipped", () => {
    const normalise = createNormaliser(spec);
    expect(normalise(raw[240])).toEqual({
      skipped: "no numeric measure (value missing marker)",
      kind: "no numeric measure",
    });
  });
});

describe("normaliseAll on FRED observations", () => {
  it("reads dates and string values and applies the measure's scale", () => {
    const spec = recordsSpec({
      path: "$.observations[*]",
      time: { field: "date", format: "yyyy-MM-dd" },
      dims: { series: "series_id" },
      measures: { gnp: { field: "value", unit: "USD (chained 2012)", scale: 1e9 } },
    });
    const raw = selectRecords(loadFixture("fred-series-observations-GNPCA-limit20-offset0.json"), spec.path);
    const { records, skipped } = normaliseAll(raw, spec);
    // The observations carry no series id, so the dim is missing on every one of them.
    expect(records).toHaveLength(0);
    expect(skipped).toEqual({ "dim missing": 20 });

    const withoutDims = recordsSpec({ ...spec, dims: {} });
    const result = normaliseAll(raw, withoutDims);
    expect(result.skipped).toEqual({});
    expect(result.records).toHaveLength(20);
    expect(result.records[0]).toEqual({
      key: "1929-01-01T00:00:00.000Z",
      time: "1929-01-01T00:00:00.000Z",
      dims: {},
      measures: { gnp: 1120076000000 },
    });
    expect(result.records.at(-1)?.time).toBe("1948-01-01T00:00:00.000Z");
  });
});

describe("createNormaliser", () => {
  const spec = recordsSpec({
    time: { field: "when", format: "iso" },
    dims: { region: "where.code", flag: "flag" },
    measures: { count: "n", share: { field: "stats.share", scale: 0.01 } },
  });
  const normalise = createNormaliser(spec);
  const base = {
    when: "2024-05-01T10:00:00Z",
    where: { code: "DE" },
    flag: true,
    n: "1,200",
    stats: { share: 40 },
  };

  it("normalises a record with string, numeric and boolean dims and scaled measures", () => {
    expect(normalise({ ...base, where: { code: 7 } })).toEqual({
      record: {
        key: "true|7|2024-05-01T10:00:00.000Z",
        time: "2024-05-01T10:00:00.000Z",
        dims: { flag: "true", region: "7" },
        measures: { count: 1200, share: 0.4 },
      },
    });
  });

  it("keeps a record when only some measures are null", () => {
    expect(normalise({ ...base, n: "(NA)" }).record?.measures).toEqual({ count: null, share: 0.4 });
  });

  it("skips a record whose measures are all null once, naming the measures' problems", () => {
    expect(normalise({ ...base, n: "abc", stats: {} })).toEqual({
      skipped: "no numeric measure (not a number, value missing)",
      kind: "no numeric measure",
    });
  });

  it("counts each skipped record once, and a kept record's null measures apart", () => {
    const { records, skipped, nulls } = normaliseAll(
      [
        base,
        { ...base, n: "(NA)" },
        { ...base, n: "abc", stats: {} },
        { ...base, n: null, stats: { share: "-" } },
        { ...base, when: "yesterday", n: null },
      ],
      spec,
    );
    expect(records).toHaveLength(2);
    expect(skipped).toEqual({ "no numeric measure": 2, "time unparseable": 1 });
    expect(Object.values(skipped).reduce((a, b) => a + b, 0) + records.length).toBe(5);
    expect(nulls).toEqual({ "value missing marker": 1 });
  });

  it("skips a record with a missing or blank dim", () => {
    expect(normalise({ ...base, where: {} })).toEqual({
      skipped: 'dim "region" missing',
      kind: "dim missing",
    });
    expect(normalise({ ...base, where: { code: " " } }).skipped).toBe('dim "region" missing');
    expect(normalise({ ...base, flag: null }).skipped).toBe('dim "flag" missing');
  });

  it("skips a record whose dim is an object or array", () => {
    expect(normalise({ ...base, where: { code: { iso: "DE" } } })).toEqual({
      skipped: 'dim "region" is not a string, number or boolean: {"iso":"DE"}',
      kind: "dim not scalar",
    });
  });

  it("skips a record whose time is missing or unparseable", () => {
    expect(normalise({ ...base, when: undefined })).toEqual({
      skipped: "time missing",
      kind: "time missing",
    });
    expect(normalise({ ...base, when: "yesterday" })).toEqual({
      skipped: 'time "yesterday" is not a valid ISO 8601 time',
      kind: "time unparseable",
    });
  });

  it("escapes the separator inside dim values so distinct records keep distinct keys", () => {
    const a = normalise({ ...base, flag: "a|b", where: { code: "c" } }).record?.key;
    const b = normalise({ ...base, flag: "a", where: { code: "b|c" } }).record?.key;
    expect(a).toBe("a\\|b|c|2024-05-01T10:00:00.000Z");
    expect(b).toBe("a|b\\|c|2024-05-01T10:00:00.000Z");
  });

  it("does not depend on the order dims are listed in the profile", () => {
    const reordered = createNormaliser(
      recordsSpec({ ...spec, dims: { flag: "flag", region: "where.code" } }),
    );
    expect(reordered(base).record?.key).toBe(normalise(base).record?.key);
  });
});

describe("normaliseAll skip counts", () => {
  it("counts skips by kind without the raw values", () => {
    const spec = recordsSpec({
      time: { field: "t", format: "yyyy-MM" },
      dims: { site: "site" },
      measures: { v: "v" },
    });
    const { records, skipped } = normaliseAll(
      [
        { t: "2024-01", site: "a", v: 1 },
        { t: "2024-13", site: "a", v: 1 },
        { t: "2024-xx", site: "a", v: 1 },
        { t: null, site: "a", v: 1 },
        { t: "2024-02", v: 1 },
        { t: "2024-03", site: "a", v: "n/a" },
        { t: "2024-04", site: "a", v: ".." },
        { t: "2024-05", site: "a", v: "lots" },
        { t: "2024-06", site: "a" },
        "not a record",
      ],
      spec,
    );
    expect(records.map((record) => record.key)).toEqual(["a|2024-01-01T00:00:00.000Z"]);
    expect(skipped).toEqual({
      "time unparseable": 2,
      "time missing": 2,
      "dim missing": 1,
      "no numeric measure": 4,
    });
    // Every record is either kept or counted once.
    expect(Object.values(skipped).reduce((a, b) => a + b, 0)).toBe(10 - records.length);
  });

  it("returns nothing for an empty page", () => {
    const spec = recordsSpec({ time: { field: "t" }, measures: { v: "v" } });
    expect(normaliseAll([], spec)).toEqual({ records: [], skipped: {}, nulls: {} });
  });
});

describe("measureUnits", () => {
  it("lists the units of the measures that declare one", () => {
    const spec = recordsSpec({
      time: { field: "t" },
      measures: { gdp: { field: "value", unit: "USD" }, count: "n", share: { field: "s", scale: 0.01 } },
    });
    expect(measureUnits(spec)).toEqual({ gdp: "USD" });
  });
});

describe("normaliseAll on BLS series data", () => {
  const spec = recordsSpec({
    path: "$.Results.series[*].data[*]",
    time: { field: "period", year: "year", format: "bls" },
    measures: { price: { field: "value", unit: "USD per pound" } },
  });
  const body = loadFixture("real-apis/timeseries-APU0000701111-2022-catalog-calculations.json");

  it("combines the year and the M01..M12 period into the month's first instant", () => {
    const { records, skipped } = normaliseAll(selectRecords(body, spec.path), spec);
    expect(skipped).toEqual({});
    expect(records).toHaveLength(12);
    expect(records[0]).toMatchObject({ time: "2022-12-01T00:00:00.000Z", measures: { price: 0.522 } });
    expect(records.at(-1)?.time).toBe("2022-01-01T00:00:00.000Z");
  });

  it("skips the M13 annual average, counted as an aggregate", () => {
    const { records, skipped } = normaliseAll(
      [
        { year: "2022", period: "M13", value: "0.45" },
        { year: "2022", period: "M01", value: "0.40" },
      ],
      spec,
    );
    expect(records.map((record) => record.time)).toEqual(["2022-01-01T00:00:00.000Z"]);
    expect(skipped).toEqual({ "time aggregate": 1 });
  });
});

describe("natural key override", () => {
  const spec = recordsSpec({
    time: { field: "time", format: "epoch_ms" },
    dims: { network: "net" },
    key: ["id"],
    measures: { mag: "mag" },
  });

  it("identifies a record by the key fields instead of dims and time", () => {
    const { records } = normaliseAll([{ id: "us7000abcd", net: "us", time: 1652247865000, mag: 4.5 }], spec);
    expect(records[0]?.key).toBe("us7000abcd");
  });

  it("accepts one field as a string and joins several with escaped separators", () => {
    const several = recordsSpec({ ...spec, key: ["net", "id"] });
    const single = recordsSpec({ ...spec, key: "id" });
    const raw = [{ id: "a|b", net: "us", time: 0, mag: 1 }];
    expect(normaliseAll(raw, several).records[0]?.key).toBe("us|a\\|b");
    expect(normaliseAll(raw, single).records[0]?.key).toBe("a\\|b");
  });

  it("skips a record whose key field is missing", () => {
    const { records, skipped } = normaliseAll([{ net: "us", time: 0, mag: 1 }], spec);
    expect(records).toEqual([]);
    expect(skipped).toEqual({ "key missing": 1 });
  });

  it("refuses a year field with a format that holds a whole time", () => {
    const result = RecordsSpecSchema.safeParse({
      time: { field: "t", year: "y", format: "iso" },
      measures: { v: "v" },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ["time", "year"] });
  });
});
