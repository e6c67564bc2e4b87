/**
 * @module Record shapes: how the items a records path selects become records.
 * - `rows` (default): each item is a record.
 * - `table`: items are arrays and the first is the header row naming the columns, as the US
 *   Census API answers (`[["NAME","B01001_001E","state"],["Alabama","4903185","01"],...]`).
 *   Each following row becomes an object keyed by the header.
 * - `columns`: an item is an object of parallel arrays, as Open-Meteo's
 *   `hourly: {time: [...], temperature_2m: [...]}`; index i of every array makes record i. Scalar
 *   members (a station id beside the arrays) are copied into every record.
 * - `jsonstat`, `sdmx-json`, `sdmx-csv`: statistics offices' cubes, one record per observation
 *   with dimension codes as fields and labels under `labels` (jsonstat.ts, sdmx.ts).
 * Pure; a new shaper is made for each page, since each page of a table repeats its header.
 *
 * @example
 * const shape = shaper("table");
 * [...shape(["a", "b"])]; // [] (the header)
 * [...shape([1, 2])];     // [{ a: 1, b: 2 }]
 */
import type { RecordShape } from "@chartly/contracts";
import { jsonStatRecords } from "./jsonstat.js";
import { sdmxCsvRecord, sdmxJsonRecords } from "./sdmx.js";

export type Shaper = (item: unknown) => Iterable<unknown>;

export function shaper(shape: RecordShape | undefined): Shaper {
  switch (shape) {
    case undefined:
    case "rows":
      return (item) => [item];
    case "table":
      return tableShaper();
    case "columns":
      return columnsOf;
    case "jsonstat":
      return jsonStatRecords;
    case "sdmx-json":
      return sdmxJsonRecords;
    case "sdmx-csv":
      return (item) => [sdmxCsvRecord(item)];
  }
}

function tableShaper(): Shaper {
  let header: string[] | undefined;
  return (item) => {
    if (!Array.isArray(item)) return [item];
    if (header === undefined) {
      header = item.map((name) => String(name));
      return [];
    }
    const record: Record<string, unknown> = {};
    header.forEach((name, index) => {
      record[name] = item[index];
    });
    return [record];
  };
}

function* columnsOf(item: unknown): Iterable<unknown> {
  if (item === null || typeof item !== "object" || Array.isArray(item)) {
    yield item;
    return;
  }
  const arrays: [string, unknown[]][] = [];
  const constants: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (Array.isArray(value)) arrays.push([name, value]);
    else constants[name] = value;
  }
  const length = Math.max(0, ...arrays.map(([, values]) => values.length));
  for (let index = 0; index < length; index++) {
    const record: Record<string, unknown> = { ...constants };
    for (const [name, values] of arrays) record[name] = values[index];
    yield record;
  }
}
