/**
 * @module bench/drone-extract: how fast the drone's engine turns a large response into records,
 * against the bare parse of the same bytes measured in the same run.
 *
 * JSON: a World Bank-shaped body (`[header, records]`, nested indicator and country objects,
 * some null values) of about 60 MB. The baseline is `JSON.parse` of the same text. The engine is
 * measured twice: in process (parse, JSONPath select, normalise: time, dims, measures, key) and
 * as a whole run (`runJob` against a local HTTP source: request, read, decode, parse, select,
 * normalise, batches of 1,000 handed to a publisher that drops them).
 * CSV: the same records as a CSV file. The baseline is `csv-parse` streaming the same bytes
 * into row objects; the engine is a whole run with `format: csv`.
 *
 * Figures are the best of `--runs` (default 3) after a warm-up, since these machines are noisy;
 * records/s counts the records read (about one in 17 has a null value and is skipped).
 *
 *   npm run bench:drone-extract -- [--records 300000] [--runs 3]
 */
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { type Job, ProfileSchema } from "@chartly/contracts";
import { createNormaliser, LOOPBACK, outboundGuard, runJob, selectRecords } from "@chartly/drone";
import { startHttpSource } from "@chartly/testkit";
import { parse } from "csv-parse";

const { values: args } = parseArgs({
  options: {
    records: { type: "string", default: "300000" },
    runs: { type: "string", default: "3" },
  },
});
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);

const COUNTRIES = ["JPN", "USA", "DEU", "FRA", "GBR", "ITA", "CAN", "BRA", "IND", "CHN", "ZAF", "AUS"];
const INDICATORS = ["NY.GDP.MKTP.CD", "SP.POP.TOTL", "NY.GDP.PCAP.CD", "FP.CPI.TOTL.ZG", "SL.UEM.TOTL.ZS"];

interface Row {
  indicator: string;
  country: string;
  year: number;
  value: number | null;
}

function rows(): Row[] {
  const out: Row[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const country = COUNTRIES[i % COUNTRIES.length] as string;
    const indicator = INDICATORS[Math.floor(i / COUNTRIES.length) % INDICATORS.length] as string;
    const year = 2023 - (Math.floor(i / (COUNTRIES.length * INDICATORS.length)) % 64);
    const value = i % 17 === 0 ? null : Math.round(Math.abs(Math.sin(i)) * 1e12) / 100;
    out.push({ indicator, country, year, value });
  }
  return out;
}

function worldBankJson(data: Row[]): string {
  const header = { page: 1, pages: 1, per_page: data.length, total: data.length, sourceid: "2" };
  const records = data.map((row) => ({
    indicator: { id: row.indicator, value: `Indicator ${row.indicator}` },
    country: { id: row.country.slice(0, 2), value: `Country ${row.country}` },
    countryiso3code: row.country,
    date: String(row.year),
    value: row.value,
    unit: "",
    obs_status: "",
    decimal: 0,
  }));
  return JSON.stringify([header, records]);
}

function csv(data: Row[]): string {
  const lines = ["indicator,indicator_name,country,country_name,date,value,unit"];
  for (const row of data) {
    lines.push(
      `${row.indicator},"Indicator ${row.indicator}, annual",${row.country},Country ${row.country},${row.year},${row.value ?? ""},`,
    );
  }
  return `${lines.join("\n")}\n`;
}

const RECORDS_SPEC = {
  path: "$[1][*]",
  time: { field: "date", format: "yyyy" },
  dims: { country: "countryiso3code", indicator: "indicator.id" },
  measures: { value: { field: "value", unit: "USD" } },
};

const CSV_RECORDS_SPEC = {
  path: "$",
  time: { field: "date", format: "yyyy" },
  dims: { country: "country", indicator: "indicator" },
  measures: { value: { field: "value", unit: "USD" } },
};

function job(url: string, format: "json" | "csv"): Job {
  return {
    runId: `bench-${format}`,
    tenant: "bench",
    profileId: "bench",
    profileVersion: 1,
    slot: "2026-01-01T00:00:00.000Z",
    trigger: "manual",
    spec: ProfileSchema.parse({
      id: "bench",
      name: "bench",
      schedule: { every: "1h" },
      source: { url, format, timeout: "10m" },
      records: format === "json" ? RECORDS_SPEC : CSV_RECORDS_SPEC,
    }),
  };
}

/** Best time of RUNS after a warm-up; `what` returns how many records it read, which must be all. */
async function best(
  what: () => Promise<number> | number,
  expected: number,
): Promise<{ ms: number; count: number }> {
  let ms = Number.POSITIVE_INFINITY;
  for (let i = 0; i <= RUNS; i++) {
    const started = performance.now();
    const count = await what();
    if (count !== expected) throw new Error(`read ${count} records, expected ${expected}`);
    if (i > 0) ms = Math.min(ms, performance.now() - started);
  }
  return { ms, count: expected };
}

function report(name: string, bytes: number, result: { ms: number; count: number }, baselineMs?: number) {
  const seconds = result.ms / 1000;
  const ratio = baselineMs === undefined ? "" : `  ${(baselineMs / result.ms).toFixed(2)}× of baseline`;
  console.log(
    `${name.padEnd(34)} ${result.ms.toFixed(0).padStart(6)} ms  ${Math.round(result.count / seconds)
      .toLocaleString("en-US")
      .padStart(10)} records/s  ${(bytes / 1024 / 1024 / seconds).toFixed(1).padStart(6)} MB/s${ratio}`,
  );
}

async function main(): Promise<void> {
  const data = rows();
  const json = worldBankJson(data);
  const csvText = csv(data);
  const jsonBytes = Buffer.byteLength(json);
  const csvBytes = Buffer.byteLength(csvText);
  console.log(
    `${RECORDS.toLocaleString("en-US")} records: JSON ${(jsonBytes / 1024 / 1024).toFixed(1)} MB, CSV ${(csvBytes / 1024 / 1024).toFixed(1)} MB; best of ${RUNS}`,
  );

  const source = await startHttpSource({
    "/wb.json": { body: json, headers: { "content-type": "application/json" } },
    "/wb.csv": { body: csvText, headers: { "content-type": "text/csv" } },
  });
  const publishNothing = async () => undefined;
  // The generated source listens on 127.0.0.1, which a drone reaches only when allowed.
  const localSource = outboundGuard({ allow: LOOPBACK });
  try {
    const parseOnly = await best(() => (JSON.parse(json) as [unknown, unknown[]])[1].length, RECORDS);
    report("JSON.parse (baseline)", jsonBytes, parseOnly);

    const spec = job(source.url, "json").spec.records;
    const inProcess = await best(() => {
      const normalise = createNormaliser(spec);
      let read = 0;
      for (const raw of selectRecords(JSON.parse(json), spec.path)) {
        read++;
        if (normalise(raw).record === undefined && (raw as { value: unknown }).value !== null) {
          throw new Error("a record with a value was skipped");
        }
      }
      return read;
    }, RECORDS);
    report("engine in process (JSON)", jsonBytes, inProcess, parseOnly.ms);

    /** A whole run of the profile against the local source: records read. */
    const wholeRun = async (path: string, format: "json" | "csv") => {
      const outcome = await runJob(job(`${source.url}/${path}`, format), 1, {
        publish: publishNothing,
        batchSize: 1000,
        guard: localSource,
      });
      if (outcome.status !== "succeeded") throw new Error(JSON.stringify(outcome.error));
      return outcome.stats.recordsIn ?? 0;
    };
    const wholeJson = await best(() => wholeRun("wb.json", "json"), RECORDS);
    report("whole run over HTTP (JSON)", jsonBytes, wholeJson, parseOnly.ms);

    const csvParse = await best(async () => {
      const parser = Readable.from([csvText]).pipe(
        parse({ columns: true, bom: true, relax_column_count: true }),
      );
      let count = 0;
      for await (const _row of parser) count++;
      return count;
    }, RECORDS);
    report("csv-parse (baseline)", csvBytes, csvParse);

    const wholeCsv = await best(() => wholeRun("wb.csv", "csv"), RECORDS);
    report("whole run over HTTP (CSV)", csvBytes, wholeCsv, csvParse.ms);
    const rss = process.memoryUsage().rss;
    console.log(`peak-ish RSS after the runs: ${(rss / 1024 / 1024).toFixed(0)} MB`);
  } finally {
    await source.close();
  }
}

await main();
