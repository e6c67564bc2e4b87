// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { describe, expect, it } from "vitest";
import { ProfileSchema, parseByteSize, parseTemplate } from "../src/index.js";

const base = {
  id: "p",
  name: "P",
  schedule: { every: "1h" },
  source: { url: "https://api.example.org/v1/data" },
  records: { time: { field: "t" }, measures: { v: "v" } },
};

const withSource = (source: object) => ({ ...base, source: { ...base.source, ...source } });

const issuesOf = (input: unknown) => {
  const result = ProfileSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("the profile's source language", () => {
  it("leaves an old profile exactly as it was: every new section is optional, without defaults", () => {
    const profile = ProfileSchema.parse(base);
    expect(profile.source).toEqual({
      url: "https://api.example.org/v1/data",
      method: "GET",
      query: {},
      headers: {},
      format: "json",
      timeout: "30s",
    });
  });

  it("accepts a profile that uses every source field", () => {
    const profile = withSource({
      url: "https://api.example.org/v1/series/${value}/data",
      method: "POST",
      query: { since: "${cursor:-2020-01-01}", key: "${secret:API_KEY}" },
      headers: { "X-Trace": "chartly" },
      body: { json: { ids: ["${value}"] } },
      auth: {
        type: "oauth2ClientCredentials",
        tokenUrl: "https://auth.example.org/token",
        clientId: "c",
        clientSecret: "${secret:CLIENT_SECRET}",
      },
      format: "csv",
      encoding: "windows-1252",
      csv: { delimiter: ";", header: true, skipLines: 2 },
      pagination: { type: "offset", limit: 500, limitParam: "$limit", param: "$offset" },
      fanOut: { values: ["A", "B"] },
      timeout: "10s",
      retry: { attempts: 5, initialDelay: "500ms", maxDelay: "20s", maxRetryAfter: "5m" },
      rateLimit: { requestsPerSecond: 2 },
      limits: { maxPages: 50, maxRecords: 100000, maxBytes: "50MB", maxDuration: "10m" },
    });
    expect(issuesOf(profile)).toEqual([]);
    expect(ProfileSchema.parse(profile).source.auth).toMatchObject({ clientAuth: "basic" });
  });

  it("names an unknown variable and lists the ones there are", () => {
    expect(issuesOf(withSource({ query: { q: "${series}" } }))).toEqual([
      "source.query.q: unknown variable ${series}: expected one of ${cursor}, ${secret:NAME}",
    ]);
    expect(
      issuesOf(withSource({ query: { q: "${series}" }, fanOut: { as: "series", values: [1] } })),
    ).toEqual([]);
  });

  it("says what a secret reference must look like", () => {
    expect(issuesOf(withSource({ headers: { key: "${secret:api-key}" } }))[0]).toMatch(
      /^source\.headers\.key: "\$\{secret:api-key\}": secret names are upper-case letters/,
    );
    expect(issuesOf(withSource({ url: "https://x.org/${value" }))).toContain(
      'source.url: "${" at character 15 is never closed with "}"',
    );
  });

  it("checks fields that depend on each other", () => {
    expect(issuesOf(withSource({ body: { json: {} } }))).toEqual(["source.body: a body needs method: POST"]);
    expect(issuesOf(withSource({ method: "POST", body: { json: {}, form: {} } }))).toEqual([
      "source.body: body needs exactly one of json or form",
    ]);
    expect(issuesOf(withSource({ csv: { delimiter: ";" } }))).toEqual([
      "source.csv: csv options need format: csv (format is json)",
    ]);
    expect(
      issuesOf(withSource({ format: "csv", pagination: { type: "page", totalPages: "$.pages" } }))[0],
    ).toMatch(/^source\.pagination\.totalPages: pagination\.totalPages reads the response body/);
    expect(issuesOf(withSource({ fanOut: { as: "x" } }))).toEqual([
      "source.fanOut: fanOut needs exactly one of values (a list) or from (a parent request)",
    ]);
  });

  it("explains unknown auth and pagination types", () => {
    expect(issuesOf(withSource({ auth: { type: "digest" } }))).toEqual([
      "source.auth.type: auth.type must be none, apiKey, bearer, basic or oauth2ClientCredentials",
    ]);
    expect(issuesOf(withSource({ pagination: { type: "pages" } }))).toEqual([
      "source.pagination.type: pagination.type must be none, page, offset, cursor, nextUrl or linkHeader",
    ]);
  });

  it("refuses misspelt fields inside the new sections", () => {
    expect(issuesOf(withSource({ pagination: { type: "page", totalpages: "$.n" } })).join()).toContain(
      "totalpages",
    );
    expect(issuesOf(withSource({ limits: { maxbytes: "1MB" } })).join()).toContain("maxbytes");
  });

  it("explains sizes, encodings and paths", () => {
    expect(issuesOf(withSource({ limits: { maxBytes: "lots" } }))).toEqual([
      "source.limits.maxBytes: maxBytes must be a size such as 512KB, 50MB or 1GB, or a number of bytes",
    ]);
    expect(issuesOf(withSource({ encoding: "klingon" }))[0]).toMatch(/^source\.encoding: encoding must be/);
    expect(issuesOf(withSource({ pagination: { type: "cursor", param: "c", path: "next" } }))).toEqual([
      "source.pagination.path: path must be a JSONPath starting with $",
    ]);
    expect(issuesOf({ ...base, records: { ...base.records, shape: "grid" } })[0]).toMatch(
      /^records\.shape: /,
    );
  });
});

describe("templates", () => {
  it("splits text, variables, fallbacks and secrets", () => {
    expect(parseTemplate("a ${x} $${y} ${cursor:-2020} ${secret:K_1}")).toEqual({
      ok: true,
      parts: [
        { kind: "text", text: "a " },
        { kind: "var", name: "x" },
        { kind: "text", text: " ${y} " },
        { kind: "var", name: "cursor", fallback: "2020" },
        { kind: "text", text: " " },
        { kind: "secret", name: "K_1" },
      ],
    });
  });

  it("refuses what is not a reference", () => {
    expect(parseTemplate("${1x}")).toMatchObject({ ok: false });
    expect(parseTemplate("${}")).toMatchObject({ ok: false });
  });
});

describe("sizes", () => {
  it("reads binary units and plain byte counts", () => {
    expect(parseByteSize("512KB")).toBe(524_288);
    expect(parseByteSize("50 MB")).toBe(52_428_800);
    expect(parseByteSize("1gb")).toBe(1_073_741_824);
    expect(parseByteSize(1000)).toBe(1000);
    expect(parseByteSize("0MB")).toBeUndefined();
    expect(parseByteSize("5 TB")).toBeUndefined();
  });
});
