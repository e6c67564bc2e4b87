// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/runner.js";
import type { AddressGuard } from "../../src/source/guard.js";
import { collector, hours, jobFor, loopbackGuard, secretsOf } from "../helpers.js";

describe("resilience", () => {
  let source: HttpSource;
  const collected = collector();
  const hitsOf = (path: string) => source.requests.filter((r) => r.parsed.pathname === path).length;

  beforeAll(async () => {
    source = await startHttpSource({
      "/data": { body: hours(0, 3) },
      "/flaky": {
        respond: ({ hit }) => (hit === 1 ? { status: 503, body: "try later" } : { body: hours(0, 1) }),
      },
      "/throttled": {
        respond: ({ hit }) =>
          hit === 1
            ? { status: 429, headers: { "retry-after": "7" }, body: "slow down" }
            : { body: hours(0, 1) },
      },
      "/throttled-until": {
        respond: ({ hit }) =>
          hit === 1
            ? {
                status: 429,
                headers: { "retry-after": new Date(collected.clock.now() + 20_000).toUTCString() },
                body: "slow down",
              }
            : { body: hours(0, 1) },
      },
      "/throttled-long": { status: 429, headers: { "retry-after": "3600" }, body: "come back in an hour" },
      "/always-429": { status: 429, body: "no" },
      "/missing": { status: 404, body: "no such series" },
      "/slow": { delayMs: 400, body: hours(0, 1) },
      "/slow-once": { respond: ({ hit }) => ({ delayMs: hit === 1 ? 400 : 0, body: hours(0, 1) }) },
      "/pages": {
        respond: ({ parsed }) => {
          const page = Number(parsed.searchParams.get("page") ?? 1);
          return { body: page <= 4 ? hours((page - 1) * 10, 10) : { data: [] } };
        },
      },
      "/big-second-page": {
        respond: ({ parsed }) =>
          parsed.searchParams.get("page") === "1"
            ? { body: hours(0, 10) }
            : { body: { data: hours(10, 10).data, padding: "x".repeat(64 * 1024) } },
      },
      "/redirect-here": { status: 302, headers: { location: "/data" } },
      "/redirect-localhost": {
        respond: () => ({ status: 307, headers: { location: `http://localhost:${source.port}/data` } }),
      },
      "/redirect-file": { status: 302, headers: { location: "file:///etc/passwd" } },
    });
  });
  afterAll(() => source.close());

  const run = async (sourceSpec: object, extra = {}) => {
    const c = collector(extra);
    const outcome = await runJob(jobFor(sourceSpec as never), 1, c.deps);
    return { outcome, sleeps: c.clock.sleeps, records: c.records() };
  };

  it("retries a 503 after an exponential, jittered wait and then succeeds", async () => {
    const { outcome, sleeps } = await run({ url: `${source.url}/flaky` });
    expect(outcome).toMatchObject({ status: "succeeded", stats: { requests: 2, retries: 1, recordsOut: 1 } });
    // First retry: half of the 1s initial delay fixed, plus the random half (0.5 here).
    expect(sleeps).toEqual([750]);
  });

  it("waits as long as Retry-After says, in seconds or as an HTTP date", async () => {
    expect((await run({ url: `${source.url}/throttled` })).sleeps).toEqual([7_000]);
    const before = collected.clock.sleeps.length;
    const dated = await runJob(jobFor({ url: `${source.url}/throttled-until` }), 1, collected.deps);
    expect(dated.status).toBe("succeeded");
    expect(collected.clock.sleeps.slice(before)).toEqual([20_000]);
  });

  it("fails at once when Retry-After asks for longer than retry.maxRetryAfter", async () => {
    const { outcome, sleeps } = await run({
      url: `${source.url}/throttled-long`,
      retry: { maxRetryAfter: "1m" },
    });
    expect(outcome).toMatchObject({ status: "failed", error: { code: "source_rate_limited" } });
    expect(outcome.error?.message).toBe(
      `GET ${source.url}/throttled-long answered HTTP 429 and asked to retry after 3600s, longer than retry.maxRetryAfter (1m)`,
    );
    expect(sleeps).toEqual([]);
  });

  it("gives up after retry.attempts, waiting longer each time", async () => {
    const { outcome, sleeps } = await run({ url: `${source.url}/always-429`, retry: { attempts: 4 } });
    expect(outcome).toMatchObject({ status: "failed", stats: { requests: 4, retries: 3 } });
    expect(outcome.error).toEqual({
      code: "source_rate_limited",
      message: `GET ${source.url}/always-429 answered HTTP 429 Too Many Requests: no`,
    });
    expect(sleeps).toEqual([750, 1_500, 3_000]);
  });

  it("does not retry an answer that will not change", async () => {
    const before = hitsOf("/missing");
    const { outcome } = await run({ url: `${source.url}/missing` });
    expect(outcome).toMatchObject({
      status: "failed",
      error: { code: "source_http_error" },
      stats: { retries: 0 },
    });
    expect(hitsOf("/missing") - before).toBe(1);
  });

  it("retries network errors", async () => {
    const { outcome, sleeps } = await run({ url: "http://127.0.0.1:1/data", retry: { attempts: 2 } });
    expect(outcome).toMatchObject({
      status: "failed",
      stats: { requests: 2 },
      error: { code: "source_unreachable" },
    });
    expect(sleeps).toHaveLength(1);
  });

  it("times out a slow response, and retries it", async () => {
    const slow = await run({ url: `${source.url}/slow`, timeout: "100ms", retry: { attempts: 1 } });
    expect(slow.outcome.error).toEqual({
      code: "source_timeout",
      message: `GET ${source.url}/slow: no complete response within 100ms`,
    });
    const once = await run({ url: `${source.url}/slow-once`, timeout: "100ms" });
    expect(once.outcome).toMatchObject({ status: "succeeded", stats: { retries: 1 } });
  });

  it("spaces requests by the profile's rate limit", async () => {
    const { outcome, sleeps } = await run({
      url: `${source.url}/pages`,
      pagination: { type: "page" },
      rateLimit: { requestsPerSecond: 20 },
    });
    expect(outcome.stats).toMatchObject({ pages: 5, requests: 5 });
    expect(sleeps).toEqual([50, 50, 50, 50]);
  });

  it("ends partial at limits.maxRecords, keeping exactly that many", async () => {
    const { outcome, records } = await run({
      url: `${source.url}/pages`,
      pagination: { type: "page" },
      limits: { maxRecords: 25 },
    });
    expect(outcome).toMatchObject({
      status: "partial",
      stats: { recordsOut: 25 },
      error: { code: "limit_records" },
    });
    expect(records).toHaveLength(25);
  });

  it("ends partial at limits.maxBytes, keeping the pages read before", async () => {
    const { outcome, records } = await run({
      url: `${source.url}/big-second-page`,
      pagination: { type: "page" },
      limits: { maxBytes: "16KB" },
    });
    expect(outcome).toMatchObject({ status: "partial", stats: { pages: 1 }, error: { code: "limit_bytes" } });
    expect(outcome.error?.message).toBe(
      "stopped after reading 16KB (limits.maxBytes); the page being read was cut short",
    );
    expect(records).toHaveLength(10);
  });

  it("ends partial at limits.maxDuration", async () => {
    const { outcome } = await run({ url: `${source.url}/slow`, limits: { maxDuration: "100ms" } });
    expect(outcome).toMatchObject({
      status: "partial",
      error: { code: "limit_duration", message: "stopped after running for 100ms (limits.maxDuration)" },
    });
  });

  it("follows a redirect within a private source", async () => {
    const { outcome } = await run({ url: `${source.url}/redirect-here` });
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 3 } });
  });

  it("refuses a public source's redirect to a private or loopback address", async () => {
    // Plays a public source: this guard calls 127.0.0.1 public and only `localhost` private.
    const guard: AddressGuard = { ...loopbackGuard, isPrivate: async (host) => host === "localhost" };
    const before = hitsOf("/data");
    const { outcome } = await run({ url: `${source.url}/redirect-localhost` }, { guard });
    expect(outcome.error).toEqual({
      code: "source_redirect_refused",
      message: `GET ${source.url}/redirect-localhost redirected to localhost:${source.port}, a private or loopback address; a public source may not redirect there`,
    });
    expect(hitsOf("/data")).toBe(before);
  });

  it("refuses redirects to other schemes", async () => {
    const { outcome } = await run({ url: `${source.url}/redirect-file` });
    expect(outcome.error?.code).toBe("source_redirect_refused");
  });

  it("does not carry credentials to another origin on a redirect", async () => {
    const { outcome } = await run(
      { url: `${source.url}/redirect-localhost`, auth: { type: "bearer", token: "${secret:TOKEN}" } },
      { secrets: secretsOf({ TOKEN: "tok-abc" }) },
    );
    expect(outcome.status).toBe("succeeded");
    const redirected = source.requests.at(-1);
    expect(redirected?.headers.host).toBe(`localhost:${source.port}`);
    expect(redirected?.headers.authorization).toBeUndefined();
    expect(source.requests.at(-2)?.headers.authorization).toBe("Bearer tok-abc");
  });
});
