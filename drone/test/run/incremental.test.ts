// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { type Job, ProfileSchema } from "@chartly/contracts";
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCursor } from "../../src/run/cursor.js";
import { runJob } from "../../src/runner.js";
import { collector, jobFor } from "../helpers.js";

/** Daily points 2024-01-01..05; `id` counts up as text, so "10" sorts before "9" as a string. */
const POINTS = [1, 2, 3, 4, 5].map((day) => ({
  t: `2024-01-0${day}T00:00:00Z`,
  id: String(day + 5),
  v: day,
}));

const incremental = (job: Job, spec: Record<string, unknown>, cursor?: string): Job => ({
  ...job,
  ...(cursor !== undefined ? { cursor } : {}),
  spec: ProfileSchema.parse({ ...job.spec, incremental: spec }),
});

describe("incremental cursors", () => {
  let source: HttpSource;

  beforeAll(async () => {
    source = await startHttpSource({
      // Answers the points at or after `since` (a date), as an API with a start filter does.
      "/obs": {
        respond: ({ parsed }) => {
          const since = Date.parse(parsed.searchParams.get("since") ?? "1970-01-01");
          return { body: { data: POINTS.filter((point) => Date.parse(point.t) >= since) } };
        },
      },
      "/ids": { body: { data: POINTS } },
      // 64-bit ids as JSON numbers: a double rounds both to 1858735296123456800.
      "/snowflakes": {
        body: `{"data":[{"t":"2024-01-01T00:00:00Z","id":1858735296123456801,"v":1},{"t":"2024-01-02T00:00:00Z","id":1858735296123456799,"v":2}]}`,
      },
      "/broken": { status: 404, body: "gone" },
    });
  });
  afterAll(() => source.close());

  const since = () => source.requests.at(-1)?.parsed.searchParams.get("since");

  it("starts from initial, then from the stored high-water mark minus the lookback", async () => {
    const base = jobFor({ url: `${source.url}/obs`, query: { since: "${cursor}" } });
    const spec = { initial: "2024-01-01", lookback: "1d", format: "yyyy-MM-dd" };

    const first = collector();
    const one = await runJob(incremental(base, spec), 1, first.deps);
    expect(since()).toBe("2024-01-01");
    expect(one).toMatchObject({
      status: "succeeded",
      stats: { recordsOut: 5 },
      cursor: { kind: "date", value: "2024-01-05T00:00:00.000Z" },
    });

    // The next job carries what was stored; the boundary day and the one before are read again.
    const second = collector();
    const two = await runJob(incremental(base, spec, one.cursor?.value), 1, second.deps);
    expect(since()).toBe("2024-01-04");
    expect(second.records().map((record) => record.time)).toEqual([
      "2024-01-04T00:00:00.000Z",
      "2024-01-05T00:00:00.000Z",
    ]);
    expect(two.cursor).toEqual({ kind: "date", value: "2024-01-05T00:00:00.000Z" });
  });

  it("compares a number field as numbers even when the source writes them as text", async () => {
    const job = incremental(jobFor({ url: `${source.url}/ids` }), {
      field: "id",
      type: "number",
      initial: 0,
    });
    const outcome = await runJob(job, 1, collector().deps);
    expect(outcome.cursor).toEqual({ kind: "number", value: "10" });
  });

  it("keeps a number cursor beyond 2^53 exact, from the JSON it came in to the next run", async () => {
    const job = incremental(jobFor({ url: `${source.url}/snowflakes` }, { dims: { id: "id" } }), {
      field: "id",
      type: "number",
      initial: 0,
      lookback: 1,
    });
    const first = collector();
    const outcome = await runJob(job, 1, first.deps);
    expect(outcome.cursor).toEqual({ kind: "number", value: "1858735296123456801" });
    // The id, a label here, reaches the record as the source wrote it.
    expect(first.records().map((record) => record.dims.id)).toEqual([
      "1858735296123456801",
      "1858735296123456799",
    ]);
    expect(startCursor({ ...job, cursor: outcome.cursor?.value })).toBe("1858735296123456800");
  });

  it("reports no cursor for a run that stopped early or failed", async () => {
    const limited = incremental(
      jobFor({ url: `${source.url}/obs`, query: { since: "${cursor}" }, limits: { maxRecords: 2 } }),
      { initial: "2024-01-01" },
    );
    const partial = await runJob(limited, 1, collector().deps);
    expect(partial.status).toBe("partial");
    expect(partial).not.toHaveProperty("cursor");

    const broken = incremental(jobFor({ url: `${source.url}/broken` }), { initial: "2024-01-01" });
    const failed = await runJob(broken, 1, collector().deps);
    expect(failed.status).toBe("failed");
    expect(failed).not.toHaveProperty("cursor");
  });

  it("reports no cursor when no record was published", async () => {
    const job = incremental(jobFor({ url: `${source.url}/obs`, query: { since: "${cursor}" } }), {
      initial: "2030-01-01",
    });
    const outcome = await runJob(job, 1, collector().deps);
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 0 } });
    expect(outcome).not.toHaveProperty("cursor");
  });
});

describe("startCursor", () => {
  const job = (spec: Record<string, unknown>, cursor?: string) =>
    incremental(jobFor({ url: "https://example.org" }), spec, cursor);

  it("writes a date cursor in the profile's format", () => {
    const stored = "2024-03-10T12:30:00.000Z";
    expect(startCursor(job({ initial: "2024-01-01" }))).toBe("2024-01-01T00:00:00.000Z");
    expect(startCursor(job({ initial: "2024-01-01", format: "yyyy" }, stored))).toBe("2024");
    expect(startCursor(job({ initial: "2024-01-01", format: "epoch_s" }, stored))).toBe("1710073800");
    expect(startCursor(job({ initial: "2024-01-01", format: "epoch_ms", lookback: "1h" }, stored))).toBe(
      String(Date.parse(stored) - 3_600_000),
    );
  });

  it("subtracts a number lookback from a number cursor", () => {
    expect(startCursor(job({ type: "number", initial: 100 }))).toBe("100");
    expect(startCursor(job({ type: "number", initial: 100, lookback: 5 }, "250"))).toBe("245");
  });

  it("subtracts the lookback from a number cursor beyond 2^53 exactly", () => {
    expect(startCursor(job({ type: "number", initial: 0, lookback: 10 }, "9007199254740993"))).toBe(
      "9007199254740983",
    );
    expect(startCursor(job({ type: "number", initial: 0 }, "-18587352961234567890"))).toBe(
      "-18587352961234567890",
    );
  });

  it("falls back to initial when the stored cursor is not of the profile's type", () => {
    expect(startCursor(job({ type: "number", initial: 7 }, "2024-01-01T00:00:00.000Z"))).toBe("7");
  });
});

describe("incremental in the profile", () => {
  const parse = (incrementalSpec: Record<string, unknown>) =>
    ProfileSchema.safeParse({
      id: "p",
      name: "p",
      schedule: { every: "1h" },
      source: { url: "https://example.org" },
      records: { time: { field: "t" }, measures: { v: "v" } },
      incremental: incrementalSpec,
    });

  it("refuses an initial value or lookback that does not fit the cursor's type", () => {
    const issues = (spec: Record<string, unknown>) =>
      parse(spec).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    expect(issues({ initial: "last tuesday" })).toEqual([
      "incremental.initial: initial must be an ISO 8601 date such as 2020-01-01 for a date cursor",
    ]);
    expect(issues({ initial: "2024-01-01", lookback: 3 })).toEqual([
      "incremental.lookback: lookback must be a duration such as 7d or 2h for a date cursor",
    ]);
    expect(issues({ type: "number", initial: "abc", lookback: "1d" })).toEqual([
      "incremental.initial: initial must be a number for a number cursor",
      "incremental.lookback: lookback must be a number for a number cursor",
    ]);
    expect(parse({ initial: "2024-01-01", lookback: "7d" }).success).toBe(true);
  });
});
