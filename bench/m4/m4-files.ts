/**
 * @module Reading the M4 competition files: the wide train/test CSVs (id, then values; short rows
 * padded with empty cells) and the published results tables.
 */
import { readFileSync } from "node:fs";

export interface M4Series {
  id: string;
  values: number[];
}

const unquote = (cell: string) => cell.trim().replace(/^"(.*)"$/, "$1");

/** One series per row after the header; empty cells end the row. */
export function readSeries(path: string): M4Series[] {
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  const out: M4Series[] = [];
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const cells = line.split(",").map(unquote);
    const values: number[] = [];
    for (const cell of cells.slice(1)) {
      if (cell === "" || cell === "NA") break;
      values.push(Number(cell));
    }
    out.push({ id: cells[0] ?? "", values });
  }
  return out;
}

/** Published figures: method → metric → value, for one frequency column (e.g. "Hourly"). */
export type Published = Map<string, Map<string, number>>;

export function readPublished(path: string, column: string): Published {
  const [header, ...rows] = readFileSync(path, "utf8").trim().split(/\r?\n/);
  const names = (header ?? "").split(",").map(unquote);
  const index = names.indexOf(column);
  const out: Published = new Map();
  if (index < 0) return out;
  for (const row of rows) {
    const cells = row.split(",").map(unquote);
    const [method, metric] = cells;
    const value = Number(cells[index]);
    if (!method || !metric || !Number.isFinite(value)) continue;
    const byMetric = out.get(method) ?? new Map<string, number>();
    byMetric.set(metric, value);
    out.set(method, byMetric);
  }
  return out;
}

/** M4's horizon and period per frequency, and the column name in the results tables. */
export const M4_FREQUENCIES: Record<string, { h: number; m: number }> = {
  Hourly: { h: 48, m: 24 },
  Daily: { h: 14, m: 1 },
  Weekly: { h: 13, m: 1 },
  Monthly: { h: 18, m: 12 },
  Quarterly: { h: 8, m: 4 },
  Yearly: { h: 6, m: 1 },
};

/** "Hourly" from ".../Hourly-train.csv", or undefined for a file not named the M4 way. */
export function frequencyOf(path: string): string | undefined {
  const base = path.split("/").pop() ?? "";
  return Object.keys(M4_FREQUENCIES).find((f) => base.toLowerCase().startsWith(f.toLowerCase()));
}
