import { fileURLToPath } from "node:url";
import { type Job, ProfileSchema, type RecordBatch } from "@chartly/contracts";
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../src/runner.js";
import { instantClock, loopbackGuard } from "./helpers.js";

const WORLDBANK = fileURLToPath(
  new URL("./fixtures/worldbank-JPN-USA-NY.GDP.MKTP.CD-page1-of3.json", import.meta.url),
);

describe("running a job", () => {
  let source: HttpSource;

  beforeAll(async () => {
    source = await startHttpSource({
      "/gdp": { file: WORLDBANK },
      "/500": { status: 500, body: "database is down" },
      "/html": { body: "<!doctype html><p>Please log in</p>", headers: { "content-type": "text/html" } },
      "/object": { body: { message: "no records here" } },
    });
  });
  afterAll(() => source.close());

  const job = (path: string, timeout = "5s"): Job => ({
    runId: `run-${path}`,
    tenant: "t1",
    profileId: "gdp",
    profileVersion: 1,
    slot: "2026-01-01T00:00:00.000Z",
    trigger: "schedule",
    spec: ProfileSchema.parse({
      id: "gdp",
      name: "GDP",
      schedule: { every: "1h" },
      source: { url: `${source.url}${path}`, query: { format: "json", per_page: 50 }, timeout },
      records: {
        path: "$[1][*]",
        time: { field: "date", format: "yyyy" },
        dims: { country: "countryiso3code" },
        measures: { value: { field: "value", unit: "USD" } },
      },
    }),
  });

  const collect = () => {
    const published: { batch: RecordBatch; id: string }[] = [];
    return {
      published,
      deps: {
        batchSize: 20,
        // Retries wait on a clock that returns at once.
        clock: instantClock(),
        guard: loopbackGuard,
        publish: async (batch: RecordBatch, id: string) => {
          published.push({ batch, id });
        },
      },
    };
  };

  it("publishes the normalised records in batches with stable message ids", async () => {
    const { published, deps } = collect();
    const outcome = await runJob(job("/gdp"), 1, deps);
    expect(outcome).toMatchObject({
      status: "succeeded",
      stats: { pages: 1, recordsIn: 50, recordsOut: 49 },
    });
    // The one record without a value is skipped, and counted once.
    expect(outcome.stats.skipped).toEqual({ "no numeric measure": 1 });
    expect(published.map((p) => [p.id, p.batch.records.length])).toEqual([
      ["run-/gdp:1:0", 20],
      ["run-/gdp:1:1", 20],
      ["run-/gdp:1:2", 9],
    ]);
    expect(published[0]?.batch).toMatchObject({ tenant: "t1", profileId: "gdp", units: { value: "USD" } });
    expect(source.requests.at(-1)?.url).toBe("/gdp?format=json&per_page=50");
  });

  it("fails with the status and the start of the body when the source answers HTTP 500", async () => {
    const { published, deps } = collect();
    const outcome = await runJob(job("/500"), 1, deps);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toEqual({
      code: "source_http_error",
      message: `GET ${source.url}/500 answered HTTP 500 Internal Server Error: database is down`,
    });
    expect(published).toEqual([]);
  });

  it("fails saying what came back when the body is not JSON", async () => {
    const outcome = await runJob(job("/html"), 1, collect().deps);
    expect(outcome.error?.code).toBe("source_not_json");
    expect(outcome.error?.message).toContain("did not return JSON (text/html)");
    expect(outcome.error?.message).toContain('body starts "<!doctype html><p>Please log in</p>"');
  });

  it("fails naming the host when nothing listens there", async () => {
    const unreachable = job("/gdp");
    unreachable.spec.source.url = "http://127.0.0.1:1/gdp";
    const outcome = await runJob(unreachable, 1, collect().deps);
    expect(outcome.error?.code).toBe("source_unreachable");
    expect(outcome.error?.message).toContain("127.0.0.1:1");
  });

  it("succeeds with nothing to publish when the path matches no records", async () => {
    const { published, deps } = collect();
    const outcome = await runJob(job("/object"), 1, deps);
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 0 } });
    expect(published).toEqual([]);
  });
});
