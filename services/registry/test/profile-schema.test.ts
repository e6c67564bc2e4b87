import { readFile } from "node:fs/promises";
import { profileJsonSchema, validateProfileText } from "@chartly/contracts";
import { describe, expect, it } from "vitest";
import { PROFILE_SCHEMA_FILE, serialiseProfileSchema } from "../src/cli/profile-schema.js";

describe("the published profile JSON Schema", () => {
  it("is the committed docs/profile.schema.json (regenerate with npm run profile-schema)", async () => {
    const committed = await readFile(new URL(`../../../${PROFILE_SCHEMA_FILE}`, import.meta.url), "utf8");
    expect(committed).toBe(serialiseProfileSchema());
  });

  it("describes every section and the closed lists of the language", () => {
    const schema = profileJsonSchema() as {
      properties: Record<string, { properties?: Record<string, { enum?: string[] }> }>;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["id", "schedule", "source", "records", "incremental", "retention"]),
    );
    expect(schema.properties.source?.properties?.format?.enum).toEqual(["json", "ndjson", "csv", "xml"]);
    expect(schema.properties.incremental?.properties?.type?.enum).toEqual(["date", "number"]);
    // zod's own check names are not JSON Schema formats; editors would warn about them.
    expect(JSON.stringify(schema)).not.toMatch(/"format":"starts_with"/);
  });
});

describe("profiles.validate", () => {
  it("answers valid with the id, or the problems sorted by position", () => {
    const good =
      "id: a\nname: A\nschedule: { every: 1h }\nsource: { url: https://x.org }\nrecords: { time: { field: t }, measures: { v: v } }\n";
    expect(validateProfileText(good)).toEqual({ valid: true, problems: [], profile: { id: "a", name: "A" } });
    const bad = validateProfileText(
      good.replace("every: 1h", "every: soon").replace("id: a", "id: A!"),
      "a.yaml",
    );
    expect(bad.valid).toBe(false);
    expect(bad.problems.map((p) => [p.file, p.line, p.field])).toEqual([
      ["a.yaml", 1, "id"],
      ["a.yaml", 3, "schedule.every"],
    ]);
  });
});
