/**
 * @module M4 benchmark: every method on every series of an M4-format train/test pair, scored as
 * the competition scored it, next to the published figures for the same frequency.
 *
 *   node --conditions=@chartly/source --import tsx bench/m4/run.ts \
 *     [--train FILE --test FILE --h 48 --m 24 --methods a,b,c --limit N --workers N]
 *
 * Defaults to the hourly files in ../shared/benchmarks/m4 beside the repository; files not named
 * the M4 way need --h (and --m when seasonal).
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import {
  frequencyOf,
  M4_FREQUENCIES,
  type M4Series,
  type Published,
  readPublished,
  readSeries,
} from "./m4-files.js";
import { references, table } from "./report.js";
import type { Job, JobResult } from "./worker.js";

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = resolve(here, "../../../shared/benchmarks/m4");

const DEFAULT_METHODS = [
  "naive",
  "snaive",
  "naive2",
  "ses",
  "holt",
  "damped",
  "theta",
  "comb",
  "autoets",
  "mstl",
  "mstl-log",
  "ensemble",
  "auto",
];

interface Settings {
  train: M4Series[];
  test: Map<string, number[]>;
  h: number;
  m: number;
  /** Methods to score; always including Naive2, which OWA is relative to. */
  methods: string[];
  workers: number;
}

/** Hands series to workers one at a time, so a slow series does not hold the others up. */
async function runAll(settings: Settings): Promise<JobResult[]> {
  const { train, test, h, m, methods } = settings;
  const results: JobResult[] = [];
  let next = 0;
  // tsx does not install its hooks in worker threads by itself, so a small inline entry
  // registers them and then imports the TypeScript worker.
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const worker = JSON.stringify(new URL("./worker.ts", import.meta.url).href);
  const entry = `import(${tsx}).then((api) => { api.register(); return import(${worker}); });`;
  const workers = Array.from({ length: settings.workers }, () => new Worker(entry, { eval: true }));
  await Promise.all(
    workers.map(
      (thread) =>
        new Promise<void>((done, fail) => {
          const send = () => {
            const index = next++;
            const series = train[index];
            if (!series) {
              void thread.terminate().then(() => done());
              return;
            }
            const actual = test.get(series.id);
            if (!actual) {
              fail(new Error(`no test values for ${series.id}`));
              return;
            }
            thread.postMessage({ index, train: series.values, test: actual, h, m, methods } satisfies Job);
          };
          thread.on("message", (result: JobResult) => {
            results.push(result);
            send();
          });
          thread.on("error", fail);
          send();
        }),
    ),
  );
  return results.sort((a, b) => a.index - b.index);
}

const readIfPresent = (path: string, column: string): Published =>
  existsSync(path) ? readPublished(path, column) : new Map();

async function main(): Promise<number> {
  const { values: args } = parseArgs({
    options: {
      train: { type: "string", default: join(dataDir, "Hourly-train.csv") },
      test: { type: "string", default: join(dataDir, "Hourly-test.csv") },
      h: { type: "string" },
      m: { type: "string" },
      methods: { type: "string" },
      limit: { type: "string" },
      workers: { type: "string" },
      published: { type: "string", default: dataDir },
    },
  });
  const frequency = frequencyOf(args.train);
  const defaults = frequency ? M4_FREQUENCIES[frequency] : undefined;
  const h = Number(args.h ?? defaults?.h);
  const m = Number(args.m ?? defaults?.m ?? 1);
  if (!Number.isInteger(h) || h < 1 || !Number.isInteger(m) || m < 1) {
    console.error(
      "--h and --m must be positive integers; pass --h for files not named like M4's (Hourly-train.csv)",
    );
    return 2;
  }
  for (const path of [args.train, args.test]) {
    if (!existsSync(path)) {
      console.error(`no such file: ${path}`);
      return 2;
    }
  }
  const shown = args.methods ? args.methods.split(",").map((s) => s.trim()) : DEFAULT_METHODS;
  const train = readSeries(args.train).slice(0, args.limit ? Number(args.limit) : undefined);
  const settings: Settings = {
    train,
    test: new Map(readSeries(args.test).map((s) => [s.id, s.values])),
    h,
    m,
    methods: shown.includes("naive2") ? shown : [...shown, "naive2"],
    workers: Math.max(1, Math.min(Number(args.workers ?? availableParallelism()), train.length)),
  };
  console.log(
    `M4 ${frequency ?? "custom"}: ${train.length} series, h=${h}, m=${m}, ${settings.workers} workers, methods ${settings.methods.join(",")}`,
  );

  const started = performance.now();
  const results = await runAll(settings);
  const wall = (performance.now() - started) / 1000;

  const point = readIfPresent(join(args.published, "m4_benchmarks_point.csv"), frequency ?? "");
  const interval = readIfPresent(join(args.published, "m4_benchmarks_pi95.csv"), frequency ?? "");
  console.log(table(results, shown, point));
  if (args.limit)
    console.log("\n(the published figures are for the whole file, not the first --limit series)");
  const extra = references(point, interval);
  if (extra.length) console.log(`\n${extra.join("\n")}`);
  console.log(
    `\nwall time ${wall.toFixed(1)} s with ${settings.workers} workers (compute s: per method, summed over series)`,
  );
  return 0;
}

process.exitCode = await main();
