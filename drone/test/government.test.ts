/**
 * The profiles in profiles/government, each run through the real engine against its source's
 * recorded response, served by the test kit's HTTP source at the profile's own path: what the
 * profile says is what a drone would publish from that answer.
 */
import { readdir, readFile } from "node:fs/promises";
import { type Job, type NormalisedRecord, type Profile, parseProfile } from "@chartly/contracts";
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { describe, expect, it } from "vitest";
import { type RunOutcome, runJob } from "../src/runner.js";
import { collector, secretsOf } from "./helpers.js";

const GOVERNMENT = new URL("../../profiles/government/", import.meta.url);

const CONTENT_TYPES: Record<string, string> = { ".csv": "text/csv", ".xml": "application/xml" };

interface Replay {
  profile: Profile;
  outcome: RunOutcome;
  records: NormalisedRecord[];
  /** The requests the run made, as the source saw them. */
  requests: HttpSource["requests"];
}

/** Runs a government profile once against its recorded answer, with its host swapped for a local one. */
async function replay(
  name: string,
  fixture: string,
  change: (profile: Profile) => Profile = (profile) => profile,
): Promise<Replay> {
  const parsed = parseProfile(`${name}.yaml`, await readFile(new URL(`${name}.yaml`, GOVERNMENT), "utf8"));
  if (!parsed.ok)
    throw new Error(parsed.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join("; "));
  const real = new URL(parsed.profile.source.url);
  const source = await startHttpSource({
    [real.pathname]: {
      file: new URL(`fixtures/${fixture}`, GOVERNMENT).pathname,
      headers: {
        "content-type": CONTENT_TYPES[fixture.slice(fixture.lastIndexOf("."))] ?? "application/json",
      },
    },
  });
  try {
    const local = new URL(source.url);
    const profile = change(parsed.profile);
    const spec = {
      ...profile,
      source: { ...profile.source, url: `${local.origin}${decodeURI(real.pathname)}` },
    };
    const job: Job = {
      runId: `${name}-replay`,
      tenant: "t1",
      profileId: profile.id,
      profileVersion: 1,
      slot: "2026-01-01T00:00:00.000Z",
      trigger: "manual",
      spec,
    };
    const run = collector({
      secrets: secretsOf({ FRED_API_KEY: "k", BLS_API_KEY: "k", CENSUS_API_KEY: "k", EIA_API_KEY: "k" }),
    });
    const outcome = await runJob(job, 1, run.deps);
    return { profile, outcome, records: run.records(), requests: [...source.requests] };
  } finally {
    await source.close();
  }
}

describe("government profiles replayed against recorded answers", () => {
  it("worldbank-gdp: GDP of Japan and the US by year, the missing year skipped", async () => {
    const { outcome, records, requests } = await replay(
      "worldbank-gdp",
      "JPN-USA-NY.GDP.MKTP.CD-page1-of3.json",
    );
    expect(outcome).toMatchObject({
      status: "succeeded",
      stats: { recordsIn: 50, recordsOut: 49, pages: 1 },
    });
    expect(requests[0]?.parsed.searchParams.get("per_page")).toBe("20000");
    expect(records[0]).toEqual({
      key: "JPN|NY.GDP.MKTP.CD|2019-01-01T00:00:00.000Z",
      time: "2019-01-01T00:00:00.000Z",
      dims: { country: "JPN", indicator: "NY.GDP.MKTP.CD" },
      measures: { value: 5081769542379.77 },
    });
  });

  it("fred-gnpca: annual observations from the incremental start, the key sent as a secret", async () => {
    const { outcome, records, requests } = await replay(
      "fred-gnpca",
      "series-observations-GNPCA-limit20-offset0.json",
    );
    expect(outcome).toMatchObject({
      status: "succeeded",
      stats: { recordsOut: 20 },
      cursor: { kind: "date", value: "1948-01-01T00:00:00.000Z" },
    });
    const query = requests[0]?.parsed.searchParams;
    expect(query?.get("observation_start")).toBe("1929-01-01");
    expect(query?.get("api_key")).toBe("k");
    expect(records[0]).toEqual({
      key: "GNPCA|1929-01-01T00:00:00.000Z",
      time: "1929-01-01T00:00:00.000Z",
      dims: { series: "GNPCA" },
      measures: { value: 1120.076 },
    });
  });

  it("bls-flour-price: a POST with the series ids, year and period read as months", async () => {
    const { outcome, records, requests } = await replay(
      "bls-flour-price",
      "timeseries-APU0000701111-2022-catalog-calculations.json",
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 12 } });
    expect(requests[0]?.method).toBe("POST");
    expect(JSON.parse(requests[0]?.body ?? "{}")).toMatchObject({ seriesid: ["APU0000701111"] });
    expect(records[0]).toMatchObject({ time: "2022-12-01T00:00:00.000Z", measures: { price: 0.522 } });
    expect(records.at(-1)?.time).toBe("2022-01-01T00:00:00.000Z");
  });

  it("census-acs5-education: one record per state from a table with a header row", async () => {
    const { outcome, records } = await replay("census-acs5-education", "acs5-2012-B15003-state-all.json");
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsIn: 52, recordsOut: 52 } });
    expect(records[0]).toEqual({
      key: "01|2012-01-01T00:00:00.000Z",
      time: "2012-01-01T00:00:00.000Z",
      dims: { state: "01" },
      measures: {
        population_25_over: 3166424,
        bachelors: 448117,
        masters: 182960,
        professional: 44662,
        doctorate: 29262,
      },
    });
  });

  it("usgs-earthquakes: events keyed by their id, incremental on event time", async () => {
    const { outcome, records } = await replay(
      "usgs-earthquakes",
      "fdsnws-query-2017-01-01_to_01-11-maxmag0.1.geojson.json",
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsIn: 109, recordsOut: 109 } });
    expect(records[0]).toMatchObject({
      key: "nn00582174",
      time: "2017-01-01T01:01:16.250Z",
      dims: { network: "nn", type: "earthquake" },
      measures: { magnitude: -0.2 },
    });
    expect(outcome.cursor?.kind).toBe("date");
    expect(Date.parse(outcome.cursor?.value ?? "")).toBe(Math.max(...records.map((r) => Date.parse(r.time))));
  });

  it("chicago-vaccinations: a Socrata array of string rows, ended by a short page", async () => {
    const { outcome, records } = await replay(
      "chicago-vaccinations",
      "chicago-4564-ixr2-daily-vaccinations.json",
    );
    expect(outcome).toMatchObject({
      status: "succeeded",
      stats: { recordsOut: 57, pageStops: { "short page": 1 } },
    });
    expect(records[0]).toEqual({
      key: "2021-02-09T00:00:00.000Z",
      time: "2021-02-09T00:00:00.000Z",
      dims: {},
      measures: { total_doses_daily: 10083, first_dose_daily: 8812, second_dose_daily: 1271 },
    });
  });

  it("ckan-gdp: datastore records by country and year (only the first page was recorded)", async () => {
    const { outcome, records } = await replay(
      "ckan-gdp",
      "datastore_search-gdp-limit5-page1.json",
      (profile) => {
        const pagination = profile.source.pagination;
        return pagination?.type === "nextUrl"
          ? { ...profile, source: { ...profile.source, pagination: { ...pagination, maxPages: 1 } } }
          : profile;
      },
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 5, pages: 1 } });
    expect(records[0]).toEqual({
      key: "ARB|1968-01-01T00:00:00.000Z",
      time: "1968-01-01T00:00:00.000Z",
      dims: { country: "ARB" },
      measures: { gdp: 25760683041.0857 },
    });
  });

  it("eurostat-unemployment: one record per observed month of a JSON-stat cube", async () => {
    const { outcome, records } = await replay(
      "eurostat-unemployment",
      "une_rt_m-DE-since-2024-01.jsonstat.json",
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsIn: 31, recordsOut: 31 } });
    expect(records[0]).toEqual({
      key: "SA|TOTAL|DE|T|2024-01-01T00:00:00.000Z",
      time: "2024-01-01T00:00:00.000Z",
      dims: { adjustment: "SA", age: "TOTAL", geo: "DE", sex: "T" },
      measures: { unemployment_rate: 3.2 },
    });
    expect(records.at(-1)?.time).toBe("2026-07-01T00:00:00.000Z");
  });

  it("oecd-cpi: SDMX-CSV rows with labels, codes as dims", async () => {
    const { outcome, records, requests } = await replay("oecd-cpi", "prices-GBR-CPI-annual-GY.sdmx.csv");
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 6 } });
    expect(requests[0]?.headers.accept).toMatch(/labels=both/);
    expect(records.map((r) => [r.time.slice(0, 4), r.measures.inflation])).toEqual([
      ["2020", 1],
      ["2021", 2.5],
      ["2022", 7.9],
      ["2023", 6.8],
      ["2024", 3.3],
      ["2025", 3.9],
    ]);
    expect(records[0]?.dims).toEqual({ area: "GBR", measure: "CPI", transformation: "GY" });
  });

  it("open-meteo-brasilia: parallel hourly arrays, local times moved to UTC", async () => {
    const { outcome, records } = await replay("open-meteo-brasilia", "archive-hourly-and-daily.json");
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 24 } });
    expect(records[0]?.time).toBe("2022-12-29T03:00:00.000Z");
    expect(records[0]?.measures.temperature).toBeTypeOf("number");
  });

  it("noaa-coops-water-temperature: 6-minute readings with string values", async () => {
    const { outcome, records } = await replay(
      "noaa-coops-water-temperature",
      "datagetter-water_temperature-8723970.json",
    );
    expect(outcome.status).toBe("succeeded");
    expect(outcome.stats.recordsIn).toBe(480);
    expect(records[0]).toEqual({
      key: "8723970|2014-09-27T00:00:00.000Z",
      time: "2014-09-27T00:00:00.000Z",
      dims: { station: "8723970" },
      measures: { water_temperature: 30.1 },
    });
  });

  it("ecb-usd-eur: SDMX-ML generic data, one record per observation", async () => {
    const { outcome, records } = await replay("ecb-usd-eur", "exr-M.USD.EUR.SP00.A-generic.xml");
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsIn: 252, recordsOut: 252 } });
    expect(records[0]).toEqual({
      key: "USD|EUR|1999-01-01T00:00:00.000Z",
      time: "1999-01-01T00:00:00.000Z",
      dims: { currency: "USD", denominator: "EUR" },
      measures: { rate: 1.16078 },
    });
    expect(records.at(-1)).toMatchObject({ time: "2019-12-01T00:00:00.000Z", measures: { rate: 1.111345 } });
  });

  it("eia-electricity-demand: an hourly period without minutes, offset paging", async () => {
    const { outcome, records, requests } = await replay(
      "eia-electricity-demand",
      "electricity-rto-region-data-hourly-AEC.json",
    );
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 1 } });
    expect(requests[0]?.parsed.searchParams.get("facets[respondent][]")).toBe("AEC");
    expect(records).toEqual([
      {
        key: "AEC|D|2019-01-02T00:00:00.000Z",
        time: "2019-01-02T00:00:00.000Z",
        dims: { respondent: "AEC", type: "D" },
        measures: { demand: 486 },
      },
    ]);
  });
});

describe("government profiles", () => {
  it("are all valid profiles", async () => {
    const files = (await readdir(GOVERNMENT)).filter((file) => file.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(13);
    for (const file of files) {
      const parsed = parseProfile(file, await readFile(new URL(file, GOVERNMENT), "utf8"));
      expect({ file, problems: parsed.ok ? [] : parsed.problems }).toEqual({ file, problems: [] });
    }
  });
});
