import { describe, expect, it } from "vitest";
import { ProfileSchema } from "../src/index.js";

const valid = {
  id: "worldbank-gdp",
  name: "GDP",
  schedule: { every: "6h" },
  source: { url: "https://api.worldbank.org/v2/country/all/indicator/NY.GDP.MKTP.CD" },
  records: {
    path: "$[1][*]",
    time: { field: "date", format: "yyyy" },
    dims: { country: "countryiso3code" },
    measures: { value: { field: "value", unit: "USD" } },
  },
};

const issuesOf = (input: unknown) => {
  const result = ProfileSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("the profile schema", () => {
  it("accepts a complete profile and fills in defaults", () => {
    const profile = ProfileSchema.parse(valid);
    expect(profile.enabled).toBe(true);
    expect(profile.source.method).toBe("GET");
    expect(profile.source.format).toBe("json");
    expect(profile.source.timeout).toBe("30s");
    expect(profile.records.time.timezone).toBe("UTC");
  });

  it("names a misspelt field instead of ignoring it", () => {
    const issues = issuesOf({ ...valid, schedul: { every: "1h" } });
    expect(issues.join("\n")).toContain("schedul");
  });

  it("explains what a bad duration, id or url should look like", () => {
    expect(issuesOf({ ...valid, schedule: { every: "often" } })).toEqual([
      "schedule.every: every must be a duration such as 30s, 5m, 6h or 1d",
    ]);
    expect(issuesOf({ ...valid, id: "Has Spaces" })[0]).toMatch(/^id: id must be lower-case/);
    expect(issuesOf({ ...valid, id: "schema" })).toEqual([
      "id: id 'schema' is reserved (/api/v1/profiles/schema is the profile JSON Schema)",
    ]);
    expect(issuesOf({ ...valid, id: "schema-v2" })).toEqual([]);
    expect(issuesOf({ ...valid, source: { url: "not a url" } })[0]).toMatch(/^source\.url: /);
  });

  it("requires at least one measure", () => {
    expect(issuesOf({ ...valid, records: { ...valid.records, measures: {} } })).toEqual([
      "records.measures: at least one measure is required",
    ]);
  });
});
