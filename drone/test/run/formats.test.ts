import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/runner.js";
import { collector, jobFor } from "../helpers.js";

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** In the shape of the US Census API's answer: a header row, string cells, null for no data. */
const CENSUS = `[["NAME","B01001_001E","state"],
["Alabama","4903185","01"],
["Alaska","731545","02"],
["Puerto Rico",null,"72"]]`;

/** In the shape of Open-Meteo's answer: parallel arrays under `hourly`, local times without offset. */
const OPEN_METEO = {
  latitude: -15.8,
  utc_offset_seconds: -10800,
  hourly_units: { time: "iso8601", temperature_2m: "°C" },
  hourly: {
    time: ["2022-12-29T00:00", "2022-12-29T01:00", "2022-12-29T02:00"],
    temperature_2m: [19.1, 18.6, null],
  },
};

describe("response formats", () => {
  let source: HttpSource;

  beforeAll(async () => {
    source = await startHttpSource({
      "/ndjson": {
        body: '{"t":"2026-01-01T00:00:00Z","v":1}\n\n{"t":"2026-01-01T01:00:00Z","v":"2"}\r\n{"t":"2026-01-01T02:00:00Z","v":3}',
        headers: { "content-type": "application/x-ndjson" },
      },
      "/ndjson-bad": {
        body: '{"t":"2026-01-01T00:00:00Z","v":1}\n{"t": oops}\n',
        headers: { "content-type": "application/x-ndjson" },
      },
      "/usgs.csv": {
        file: fixture("usgs-earthquakes-all_week-2022-05-11-first100.csv"),
        headers: { "content-type": "text/csv" },
      },
      "/semicolon.csv": {
        body: "Statistik Austria\nZeit;Wert;Ort\n2024-01;1234.5;Wien\n2024-02;12;Graz\n",
        headers: { "content-type": "text/csv" },
      },
      "/latin1.csv": {
        body: Buffer.from("time;place;v\n2024-01-01;Zürich;1\n2024-01-02;Genève;2\n", "latin1"),
        headers: { "content-type": "text/csv" },
      },
      "/noheader.csv": { body: "2024-01-01,5\n2024-01-02,6\n", headers: { "content-type": "text/csv" } },
      "/ecb.xml": {
        file: fixture("ecb-eurofxref-daily-2025-05-09.xml"),
        headers: { "content-type": "text/xml" },
      },
      "/bad.xml": { body: "<a><b></a>", headers: { "content-type": "application/xml" } },
      "/oecd.csv": {
        file: fixture("real-apis/prices-GBR-CPI-annual-GY.sdmx.csv"),
        headers: { "content-type": "application/vnd.sdmx.data+csv; version=2.0.0; labels=both" },
      },
      "/eurostat": { file: fixture("real-apis/une_rt_m-DE-since-2024-01.jsonstat.json") },
      "/census": { body: CENSUS },
      "/open-meteo": { body: OPEN_METEO },
      "/gzip-encoded": {
        body: gzipSync(JSON.stringify({ data: [{ t: "2026-01-01T00:00:00Z", v: 1 }] })),
        headers: { "content-encoding": "gzip" },
      },
      "/file.csv.gz": {
        body: gzipSync("time,v\n2026-01-01T00:00:00Z,1\n2026-01-01T01:00:00Z,2\n"),
        headers: { "content-type": "application/gzip" },
      },
    });
  });
  afterAll(() => source.close());

  it("reads NDJSON line by line, ignoring blank lines and CRLF", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor({ url: `${source.url}/ndjson`, format: "ndjson" }, { path: "$" }),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsIn: 3, recordsOut: 3 } });
    expect(records().map((r) => r.measures.v)).toEqual([1, 2, 3]);
  });

  it("fails on an NDJSON line that is not JSON, naming the line", async () => {
    const { deps } = collector();
    const outcome = await runJob(
      jobFor({ url: `${source.url}/ndjson-bad`, format: "ndjson" }, { path: "$" }),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "failed", error: { code: "source_not_json" } });
    expect(outcome.error?.message).toContain(`GET ${source.url}/ndjson-bad: line 2 is not JSON`);
  });

  it("reads a CSV export with a header row and quoted commas", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        { url: `${source.url}/usgs.csv`, format: "csv" },
        {
          path: "$",
          time: { field: "time", format: "iso" },
          dims: { id: "id", place: "place" },
          measures: { mag: "mag", depth: { field: "depth", unit: "km" } },
        },
      ),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsIn: 100, recordsOut: 100 } });
    expect(records()[0]).toEqual({
      key: "ak02260qn473|134 km NW of Yakutat, Alaska|2022-05-11T05:44:25.595Z",
      time: "2022-05-11T05:44:25.595Z",
      dims: { id: "ak02260qn473", place: "134 km NW of Yakutat, Alaska" },
      measures: { mag: 1.2, depth: 1.6 },
    });
  });

  it("reads CSV with another delimiter and title lines before the header", async () => {
    const { deps, records } = collector();
    await runJob(
      jobFor(
        { url: `${source.url}/semicolon.csv`, format: "csv", csv: { delimiter: ";", skipLines: 1 } },
        {
          path: "$",
          time: { field: "Zeit", format: "yyyy-MM" },
          dims: { ort: "Ort" },
          measures: { v: "Wert" },
        },
      ),
      1,
      deps,
    );
    expect(records().map((r) => [r.dims.ort, r.measures.v])).toEqual([
      ["Wien", 1234.5],
      ["Graz", 12],
    ]);
  });

  it("decodes a CSV in the encoding the profile names", async () => {
    const { deps, records } = collector();
    await runJob(
      jobFor(
        { url: `${source.url}/latin1.csv`, format: "csv", encoding: "windows-1252", csv: { delimiter: ";" } },
        { path: "$", time: { field: "time" }, dims: { place: "place" }, measures: { v: "v" } },
      ),
      1,
      deps,
    );
    expect(records().map((r) => r.dims.place)).toEqual(["Zürich", "Genève"]);
  });

  it("names the columns of a CSV without a header row", async () => {
    const { deps, records } = collector();
    await runJob(
      jobFor(
        {
          url: `${source.url}/noheader.csv`,
          format: "csv",
          csv: { header: false, columns: ["day", "count"] },
        },
        { path: "$", time: { field: "day" }, measures: { count: "count" } },
      ),
      1,
      deps,
    );
    expect(records().map((r) => [r.time, r.measures.count])).toEqual([
      ["2024-01-01T00:00:00.000Z", 5],
      ["2024-01-02T00:00:00.000Z", 6],
    ]);
    const arrays = collector();
    await runJob(
      jobFor(
        { url: `${source.url}/noheader.csv`, format: "csv", csv: { header: false } },
        { path: "$", time: { field: "0" }, measures: { count: "1" } },
      ),
      1,
      arrays.deps,
    );
    expect(arrays.records()).toHaveLength(2);
  });

  it("reads XML attributes and nested elements (ECB reference rates)", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        { url: `${source.url}/ecb.xml`, format: "xml", xml: { arrays: ["Cube"] } },
        {
          path: "$.Envelope.Cube[0].Cube[*]",
          time: { field: "time", format: "yyyy-MM-dd" },
          measures: {
            usd: { field: "expr:Cube[currency='USD'].rate", unit: "USD per EUR" },
            jpy: "expr:Cube[currency='JPY'].rate",
          },
        },
      ),
      1,
      deps,
    );
    expect(outcome.status, outcome.error?.message).toBe("succeeded");
    expect(records()).toEqual([
      {
        key: "2025-05-09T00:00:00.000Z",
        time: "2025-05-09T00:00:00.000Z",
        dims: {},
        measures: { usd: 1.1252, jpy: 163.36 },
      },
    ]);
  });

  it("fails on XML that is not well formed, saying where", async () => {
    const { deps } = collector();
    const outcome = await runJob(jobFor({ url: `${source.url}/bad.xml`, format: "xml" }), 1, deps);
    expect(outcome).toMatchObject({ status: "failed", error: { code: "source_not_xml" } });
    expect(outcome.error?.message).toMatch(/did not return XML: .* at line 1, column \d+/);
  });

  it("reads a Census-style table whose first row is the header", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        { url: `${source.url}/census` },
        {
          path: "$",
          shape: "table",
          time: { field: 'expr:"2019"', format: "yyyy" },
          dims: { state: "state" },
          measures: { population: "B01001_001E" },
        },
      ),
      1,
      deps,
    );
    expect(outcome.stats).toMatchObject({
      recordsIn: 3,
      recordsOut: 2,
      skipped: { "no numeric measure": 1 },
    });
    expect(records().map((r) => [r.dims.state, r.measures.population, r.time])).toEqual([
      ["01", 4903185, "2019-01-01T00:00:00.000Z"],
      ["02", 731545, "2019-01-01T00:00:00.000Z"],
    ]);
  });

  it("reads Open-Meteo's parallel arrays as one record per hour", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        { url: `${source.url}/open-meteo` },
        {
          path: "$.hourly",
          shape: "columns",
          time: { field: "time", format: "iso", timezone: "-03:00" },
          measures: { temperature: { field: "temperature_2m", unit: "°C" } },
        },
      ),
      1,
      deps,
    );
    expect(outcome.stats).toMatchObject({ recordsIn: 3, recordsOut: 2 });
    expect(records().map((r) => [r.time, r.measures.temperature])).toEqual([
      ["2022-12-29T03:00:00.000Z", 19.1],
      ["2022-12-29T04:00:00.000Z", 18.6],
    ]);
  });

  it("reads gzip bodies, whether sent with Content-Encoding or as a .gz file", async () => {
    const encoded = collector();
    await runJob(jobFor({ url: `${source.url}/gzip-encoded` }), 1, encoded.deps);
    expect(encoded.records()).toHaveLength(1);
    const file = collector();
    const outcome = await runJob(
      jobFor({ url: `${source.url}/file.csv.gz`, format: "csv" }, { path: "$", time: { field: "time" } }),
      1,
      file.deps,
    );
    expect(outcome.status, outcome.error?.message).toBe("succeeded");
    expect(file.records().map((r) => r.measures.v)).toEqual([1, 2]);
  });
  it("reads an OECD SDMX-CSV answer with labels as one record per observation", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        { url: `${source.url}/oecd.csv`, format: "csv" },
        {
          path: "$",
          shape: "sdmx-csv",
          time: { field: "TIME_PERIOD", format: "period" },
          dims: { area: "REF_AREA", measure: "MEASURE", transformation: "TRANSFORMATION" },
          measures: { cpi: { field: "OBS_VALUE", unit: "PA" } },
        },
      ),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsIn: 6, recordsOut: 6 } });
    expect(records()[0]).toEqual({
      key: "GBR|CPI|GY|2020-01-01T00:00:00.000Z",
      time: "2020-01-01T00:00:00.000Z",
      dims: { area: "GBR", measure: "CPI", transformation: "GY" },
      measures: { cpi: 1 },
    });
    expect(records().map((record) => record.measures.cpi)).toEqual([1, 2.5, 7.9, 6.8, 3.3, 3.9]);
  });

  it("reads a Eurostat JSON-stat dataset as one record per observed cell", async () => {
    const { deps, records } = collector();
    const outcome = await runJob(
      jobFor(
        { url: `${source.url}/eurostat` },
        {
          path: "$",
          shape: "jsonstat",
          time: { field: "time", format: "period" },
          dims: { geo: "geo", label: "labels.geo" },
          measures: { rate: "value" },
        },
      ),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsIn: 31, recordsOut: 31 } });
    expect(records()[30]).toMatchObject({
      time: "2026-07-01T00:00:00.000Z",
      dims: { geo: "DE", label: "Germany" },
      measures: { rate: 4 },
    });
  });
});

describe("streaming", () => {
  let server: Server;
  let url: string;
  let firstBatchPublished: () => void = () => undefined;
  const published = new Promise<void>((resolve) => {
    firstBatchPublished = resolve;
  });

  beforeAll(async () => {
    // Sends half of a CSV, and the rest only once the drone has published records from the first
    // half: a drone that waited for the whole body would never get the rest.
    server = createServer(async (_req, res) => {
      res.writeHead(200, { "content-type": "text/csv" });
      const rows = (from: number) =>
        Array.from(
          { length: 50 },
          (_, i) => `${new Date(Date.UTC(2026, 0, 1, from + i)).toISOString()},${from + i}\n`,
        ).join("");
      res.write(`time,v\n${rows(0)}`);
      await published;
      res.end(rows(50));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    url = `http://127.0.0.1:${address && typeof address === "object" ? address.port : 0}/stream.csv`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("publishes CSV records while the body is still arriving", async () => {
    const { deps, records } = collector({ batchSize: 10 });
    const publish = deps.publish;
    deps.publish = async (batch, id) => {
      await publish(batch, id);
      firstBatchPublished();
    };
    const outcome = await runJob(
      jobFor({ url, format: "csv", timeout: "5s" }, { path: "$", time: { field: "time" } }),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 100 } });
    expect(records().at(-1)?.measures.v).toBe(99);
  });
});
