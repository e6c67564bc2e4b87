/** @module The bench's table: dataset-wide means per method beside the published M4 figures. */
import { owa } from "@chartly/forecast";
import type { SeriesScore } from "./evaluate.js";
import type { Published } from "./m4-files.js";
import type { JobResult } from "./worker.js";

/** Our method name → its row in the published tables. */
const PUBLISHED_NAME: Record<string, string> = {
  naive: "Naive",
  snaive: "sNaive",
  naive2: "Naive2",
  ses: "SES",
  holt: "Holt",
  damped: "Damped",
  theta: "Theta",
  comb: "Com",
};

export interface Summary {
  smape: number;
  mase: number;
  msis: number;
  coverage: number;
  /** Forecasting time summed over series, in seconds of one core. */
  seconds: number;
  failed: number;
}

export function summarise(results: JobResult[], method: string): Summary {
  const scores = results.map((r) => r.scores[method] as SeriesScore);
  const mean = (pick: (s: SeriesScore) => number) => {
    const values = scores.map(pick).filter((v) => Number.isFinite(v));
    return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  };
  return {
    smape: mean((s) => s.smape),
    mase: mean((s) => s.mase),
    msis: mean((s) => s.msis),
    coverage: mean((s) => s.coverage),
    seconds: scores.reduce((a, s) => a + s.ms, 0) / 1000,
    failed: scores.filter((s) => s.failed).length,
  };
}

const fixed = (v: number | undefined, digits = 3) =>
  v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits);
const delta = (ours: number, theirs: number | undefined) =>
  theirs === undefined ? "–" : `${(((ours - theirs) / theirs) * 100).toFixed(2)}%`;

/** A Markdown table, one row per method, with relative differences to the published rows. */
export function table(results: JobResult[], methods: string[], point: Published): string {
  const naive2 = summarise(results, "naive2");
  const rows = [
    "| method | sMAPE | MASE | OWA | MSIS | 95% coverage | compute s | M4 sMAPE | M4 MASE | M4 OWA | Δ sMAPE | Δ MASE | Δ OWA |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const method of methods) {
    const s = summarise(results, method);
    const ours = owa(s, naive2);
    const published = point.get(PUBLISHED_NAME[method] ?? "");
    const [pS, pM, pO] = [published?.get("sMAPE"), published?.get("MASE"), published?.get("OWA")];
    const failures = s.failed ? ` (${s.failed} failed)` : "";
    const cells = [
      `${method}${failures}`,
      fixed(s.smape),
      fixed(s.mase),
      fixed(ours),
      fixed(s.msis),
      fixed(s.coverage),
      fixed(s.seconds, 1),
      fixed(pS),
      fixed(pM),
      fixed(pO),
      delta(s.smape, pS),
      delta(s.mase, pM),
      delta(ours, pO),
    ];
    rows.push(`| ${cells.join(" | ")} |`);
  }
  return rows.join("\n");
}

/** Published entries with no counterpart here (the two best submissions, ETS and ARIMA intervals). */
export function references(point: Published, interval: Published): string[] {
  const lines: string[] = [];
  for (const [name, label] of [
    ["118", "M4 winner (118, Smyl)"],
    ["245", "M4 second (245, Montero-Manso et al.)"],
  ] as const) {
    const p = point.get(name);
    const pi = interval.get(name);
    if (!p) continue;
    lines.push(
      `- ${label}: sMAPE ${fixed(p.get("sMAPE"))}, MASE ${fixed(p.get("MASE"))}, OWA ${fixed(p.get("OWA"))}, MSIS ${fixed(pi?.get("MSIS"))}`,
    );
  }
  for (const name of ["Naive", "ETS", "ARIMA"]) {
    const pi = interval.get(name);
    if (pi)
      lines.push(
        `- published 95% interval of ${name}: MSIS ${fixed(pi.get("MSIS"))}, ACD ${fixed(pi.get("ACD"))}`,
      );
  }
  return lines;
}
