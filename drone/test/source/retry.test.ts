import { describe, expect, it } from "vitest";
import { backoffDelay, isRetryableStatus, parseRetryAfter, retryPolicy } from "../../src/source/retry.js";

describe("retry policy", () => {
  it("defaults to 3 attempts starting at 1s, capped at 30s, honouring Retry-After up to 2m", () => {
    expect(retryPolicy(undefined)).toEqual({
      attempts: 3,
      initialDelayMs: 1_000,
      maxDelayMs: 30_000,
      maxRetryAfterMs: 120_000,
      maxRetryAfter: "2m",
    });
    expect(retryPolicy({ attempts: 5, maxDelay: "4s" })).toMatchObject({ attempts: 5, maxDelayMs: 4_000 });
  });

  it("doubles the wait for each retry, with up to half of it random, and never passes maxDelay", () => {
    const policy = retryPolicy({ initialDelay: "1s", maxDelay: "5s" });
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0))).toEqual([500, 1_000, 2_000, 2_500]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 1))).toEqual([1_000, 2_000, 4_000, 5_000]);
  });

  it("retries network-like answers only: 408, 429 and 5xx", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 422].some(isRetryableStatus)).toBe(false);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
