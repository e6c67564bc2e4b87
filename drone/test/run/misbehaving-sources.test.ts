/**
 * Sources that misbehave the way real ones do, played by local HTTP servers: an error page before
 * the real answer, bodies that never end, exports far larger than memory. The engine must recover
 * from the first, cut the second off at `limits.maxBytes`, and stream the third (CSV and NDJSON)
 * without ever holding more than a batch of it.
 */
import { once } from "node:events";
import { createServer, type Server, type ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/runner.js";
import { collector, hours, jobFor } from "../helpers.js";

/** Rows of `time,v` for hours from `from`, `count` of them, as CSV or NDJSON text. */
function rows(format: "csv" | "ndjson", from: number, count: number): string {
  let text = "";
  for (let i = from; i < from + count; i++) {
    const t = new Date(Date.UTC(2000, 0, 1) + i * 3_600_000).toISOString();
    text += format === "csv" ? `${t},${i % 1000}\n` : `{"t":"${t}","v":${i % 1000}}\n`;
  }
  return text;
}

/** Writes `head`, then whatever `chunks` yields, at the pace the client reads. */
function stream(res: ServerResponse, contentType: string, chunks: () => Generator<string>): void {
  res.writeHead(200, { "content-type": contentType });
  pipeline(Readable.from(chunks()), res).catch(() => undefined);
}

describe("a source that fails before it answers", () => {
  let source: HttpSource;
  beforeAll(async () => {
    source = await startHttpSource({
      "/error-once": {
        respond: ({ hit }) =>
          hit === 1
            ? {
                status: 500,
                headers: { "content-type": "text/html" },
                body: "<h1>Internal Server Error</h1>",
              }
            : { body: hours(0, 2) },
      },
    });
  });
  afterAll(() => source.close());

  it("retries an HTTP 500 and uses the answer that follows", async () => {
    const run = collector();
    const outcome = await runJob(jobFor({ url: `${source.url}/error-once` }), 1, run.deps);
    expect(outcome).toMatchObject({ status: "succeeded", stats: { requests: 2, retries: 1, recordsOut: 2 } });
    expect(run.clock.sleeps).toHaveLength(1);
    expect(run.records().map((record) => record.measures.v)).toEqual([0, 1]);
  });
});

describe("a body that never ends", () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const format = path === "/endless.csv" ? "csv" : path === "/endless.ndjson" ? "ndjson" : "json";
      stream(res, format === "csv" ? "text/csv" : "application/json", function* () {
        if (format === "csv") yield "t,v\n";
        if (format === "json") yield '{"data":[';
        for (let from = 0; ; from += 500) {
          yield format === "json"
            ? `${from ? "," : ""}${JSON.stringify(hours(from, 500).data).slice(1, -1)}`
            : rows(format, from, 500);
        }
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    url = `http://127.0.0.1:${address && typeof address === "object" ? address.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("is cut off at limits.maxBytes for JSON, whose cut page is dropped", async () => {
    const run = collector();
    const outcome = await runJob(
      jobFor({ url: `${url}/endless.json`, limits: { maxBytes: "256KB" } }),
      1,
      run.deps,
    );
    expect(outcome).toMatchObject({
      status: "partial",
      error: { code: "limit_bytes" },
      stats: { recordsOut: 0 },
    });
    expect(outcome.stats.bytes).toBeGreaterThan(256 * 1024);
    expect(outcome.stats.bytes).toBeLessThan(1024 * 1024);
  });

  it.each(["csv", "ndjson"] as const)(
    "is cut off at limits.maxBytes for %s, keeping the records streamed before",
    async (format) => {
      const run = collector({ batchSize: 100 });
      const outcome = await runJob(
        jobFor(
          { url: `${url}/endless.${format}`, format, limits: { maxBytes: "256KB" } },
          { path: "$", time: { field: "t" } },
        ),
        1,
        run.deps,
      );
      expect(outcome).toMatchObject({ status: "partial", error: { code: "limit_bytes" } });
      expect(outcome.stats.bytes).toBeLessThan(1024 * 1024);
      // Every published record is one of the first rows, in order, none lost in between.
      const values = run.records().map((record) => Date.parse(record.time));
      expect(values.length).toBeGreaterThan(1_000);
      expect(values).toEqual(values.map((_, i) => Date.UTC(2000, 0, 1) + i * 3_600_000));
    },
  );
});

describe("an export far larger than a page", () => {
  const ROWS = 800_000; // about 23 MB of CSV, 32 MB of NDJSON
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const format = req.url?.endsWith(".csv") ? "csv" : "ndjson";
      stream(res, format === "csv" ? "text/csv" : "application/x-ndjson", function* () {
        if (format === "csv") yield "t,v\n";
        for (let from = 0; from < ROWS; from += 1_000) yield rows(format, from, 1_000);
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const address = server.address();
    url = `http://127.0.0.1:${address && typeof address === "object" ? address.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it.each(["csv", "ndjson"] as const)(
    "is read as %s with the live heap growing by far less than its size",
    async (format) => {
      // A full collection before each sample measures what is still held, not garbage not yet collected.
      setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc") as () => void;
      gc();
      const before = process.memoryUsage().heapUsed;
      let peak = 0;
      let published = 0;
      let batches = 0;
      const outcome = await runJob(
        jobFor(
          { url: `${url}/export.${format}`, format, timeout: "5m" },
          { path: "$", time: { field: "t" } },
        ),
        1,
        {
          ...collector().deps,
          batchSize: 1_000,
          publish: async (batch) => {
            published += batch.records.length;
            if (++batches % 250 === 0) {
              gc();
              peak = Math.max(peak, process.memoryUsage().heapUsed - before);
            }
          },
        },
      );
      expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: ROWS } });
      expect(published).toBe(ROWS);
      expect(outcome.stats.bytes).toBeGreaterThan(20 * 1024 * 1024);
      // Holding the body would take its 23-32 MB as text, several times that as records.
      expect(peak).toBeLessThan(16 * 1024 * 1024);
    },
    180_000,
  );
});
