import { ProfileSchema, type RecordsSpec } from "@chartly/contracts";
import { describe, expect, it } from "vitest";
import { normaliseAll } from "../../src/engine/normalise.js";
import { shaper } from "../../src/engine/shape.js";
import { loadFixture } from "./fixtures.js";

const recordsOf = (shape: "jsonstat" | "sdmx-json", body: unknown) =>
  [...shaper(shape)(body)] as Record<string, unknown>[];

const recordsSpec = (records: Record<string, unknown>): RecordsSpec =>
  ProfileSchema.parse({
    id: "p",
    name: "p",
    schedule: { every: "1h" },
    source: { url: "https://example.org" },
    records,
  }).records;

describe("JSON-stat datasets", () => {
  it("makes one record per observed cell of a Eurostat dataset, with codes and labels", () => {
    const records = recordsOf("jsonstat", loadFixture("real-apis/une_rt_m-DE-since-2024-01.jsonstat.json"));
    // 32 months in the cube; the last (2026-08) has no value and is no observation.
    expect(records).toHaveLength(31);
    expect(records[0]).toEqual({
      freq: "M",
      s_adj: "SA",
      age: "TOTAL",
      unit: "PC_ACT",
      sex: "T",
      geo: "DE",
      time: "2024-01",
      value: 3.2,
      labels: {
        freq: "Monthly",
        s_adj: "Seasonally adjusted data, not calendar adjusted data",
        age: "Total",
        unit: "Percentage of population in the labour force",
        sex: "Total",
        geo: "Germany",
        time: "2024-01",
      },
    });
    expect(records.at(-1)).toMatchObject({ time: "2026-07", value: 4 });
  });

  it("yields nothing for a dataset with no values and no status", () => {
    expect(
      recordsOf("jsonstat", loadFixture("real-apis/nama_10_gdp-DE-until-1980-no-data.jsonstat.json")),
    ).toEqual([]);
  });

  it("keeps confidential cells as records with a null value and their status", () => {
    const records = recordsOf(
      "jsonstat",
      loadFixture("real-apis/sts_inpr_m-IE-2023H1-confidential-status.jsonstat.json"),
    );
    expect(records).toHaveLength(6);
    expect(records[0]).toMatchObject({
      geo: "IE",
      time: "2023-01",
      value: null,
      status: "|C",
      labels: { status: "|confidential" },
    });
  });

  it("reads dense values, JSON-stat 1.x bundles and array category indexes", () => {
    const bundle = {
      gdp: {
        dimension: {
          id: ["area", "year"],
          size: [2, 2],
          area: { category: { index: ["NO", "SE"], label: { NO: "Norway", SE: "Sweden" } } },
          year: { category: { index: { "2020": 0, "2021": 1 } } },
        },
        value: [1, 2, null, 4],
        status: "p",
      },
    };
    expect(recordsOf("jsonstat", bundle)).toEqual([
      { dataset: "gdp", area: "NO", year: "2020", value: 1, status: "p", labels: { area: "Norway" } },
      { dataset: "gdp", area: "NO", year: "2021", value: 2, status: "p", labels: { area: "Norway" } },
      { dataset: "gdp", area: "SE", year: "2020", value: null, status: "p", labels: { area: "Sweden" } },
      { dataset: "gdp", area: "SE", year: "2021", value: 4, status: "p", labels: { area: "Sweden" } },
    ]);
  });

  it("says what it expected of a body that is no JSON-stat", () => {
    expect(() => recordsOf("jsonstat", { hello: "world" })).toThrow(/found no dataset/);
    expect(() => recordsOf("jsonstat", [1, 2])).toThrow(/needs a JSON-stat object, got an array/);
  });

  it("normalises into series with the profile's usual mapping", () => {
    const body = loadFixture("real-apis/une_rt_m-DE-since-2024-01.jsonstat.json");
    const spec = recordsSpec({
      shape: "jsonstat",
      time: { field: "time", format: "period" },
      dims: { geo: "geo", unit: "unit" },
      measures: { unemployment: { field: "value", unit: "%" } },
    });
    const { records, skipped } = normaliseAll(recordsOf("jsonstat", body), spec);
    expect(records).toHaveLength(31);
    expect(skipped).toEqual({});
    expect(records[0]).toEqual({
      key: "DE|PC_ACT|2024-01-01T00:00:00.000Z",
      time: "2024-01-01T00:00:00.000Z",
      dims: { geo: "DE", unit: "PC_ACT" },
      measures: { unemployment: 3.2 },
    });
  });
});

describe("SDMX-JSON data messages", () => {
  it("makes one record per observation of an OECD message, with codes, labels and attributes", () => {
    const records = recordsOf("sdmx-json", loadFixture("real-apis/part2-all-all.sdmx.json"));
    expect(records).toHaveLength(7);
    expect(records[0]).toEqual({
      LOCATION: "AUS",
      IND: "5CLAT",
      PER: "INI",
      GRD: "FOG",
      FLD: "MAT",
      MSR: "MN",
      OBS_VALUE: 11.963615756565,
      labels: {
        LOCATION: "Australia",
        IND: "Percentage of class time spent on lecture-style presentations, according to teachers",
        PER: "Initial year in percentage",
        GRD: "4th grade",
        FLD: "Mathematics",
        MSR: "Percentage",
      },
    });
    // `[value, 0]` points at the first observation attribute, TIME_FORMAT, which lists no values
    // in this message: no field is made up for it.
    expect(records[1]).toMatchObject({ LOCATION: "HUN", PER: "CHG", OBS_VALUE: -2.13889095389401 });
    expect(records[1]).not.toHaveProperty("TIME_FORMAT");
    expect(records.map((record) => record.LOCATION)).toEqual([
      "AUS",
      "HUN",
      "HUN",
      "NZL",
      "NZL",
      "NOR",
      "OME",
    ]);
  });

  it("reads observations grouped by series, with series and data set attributes", () => {
    const message = {
      data: {
        structures: [
          {
            dimensions: {
              series: [{ id: "REF_AREA", values: [{ id: "FR", names: { en: "France" } }] }],
              observation: [{ id: "TIME_PERIOD", values: [{ id: "2023-Q4" }, { id: "2024-Q1" }] }],
            },
            attributes: {
              dataSet: [{ id: "SOURCE", values: [{ id: "INSEE" }] }],
              series: [{ id: "UNIT_MULT", values: [{ id: "6", name: "Millions" }] }],
              observation: [],
            },
          },
        ],
        dataSets: [
          {
            structure: 0,
            attributes: [0],
            series: { "0": { attributes: [0], observations: { "0": [1.5], "1": ["2.5"] } } },
          },
        ],
      },
    };
    expect(recordsOf("sdmx-json", message)).toEqual([
      {
        SOURCE: "INSEE",
        REF_AREA: "FR",
        UNIT_MULT: "6",
        TIME_PERIOD: "2023-Q4",
        OBS_VALUE: 1.5,
        labels: { REF_AREA: "France", UNIT_MULT: "Millions" },
      },
      {
        SOURCE: "INSEE",
        REF_AREA: "FR",
        UNIT_MULT: "6",
        TIME_PERIOD: "2024-Q1",
        OBS_VALUE: "2.5",
        labels: { REF_AREA: "France", UNIT_MULT: "Millions" },
      },
    ]);
  });

  it("says what is wrong with a message it cannot read", () => {
    expect(() => recordsOf("sdmx-json", { header: {} })).toThrow(/no dataSets list/);
    const badKey = {
      dataSets: [{ observations: { "0:0": [1] } }],
      structure: { dimensions: { observation: [{ id: "A", values: [{ id: "x" }] }] } },
    };
    expect(() => recordsOf("sdmx-json", badKey)).toThrow(/"0:0" has 2 positions but 1 dimensions/);
  });
});

describe("SDMX-CSV rows", () => {
  it("splits labelled headers and CODE: Label cells, leaving other cells alone", () => {
    const row = {
      STRUCTURE: "DATAFLOW",
      "REF_AREA: Reference area": "GBR: United Kingdom",
      "TRANSFORMATION: Transformation": "GY: Growth rate, over 1 year",
      "TIME_PERIOD: Time period": "2020",
      OBS_VALUE: "1",
      "UNIT_MULT: Unit multiplier": "",
    };
    expect([...shaper("sdmx-csv")(row)]).toEqual([
      {
        STRUCTURE: "DATAFLOW",
        REF_AREA: "GBR",
        TRANSFORMATION: "GY",
        TIME_PERIOD: "2020",
        OBS_VALUE: "1",
        UNIT_MULT: "",
        labels: { REF_AREA: "United Kingdom", TRANSFORMATION: "Growth rate, over 1 year" },
      },
    ]);
  });
});
