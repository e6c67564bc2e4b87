import { describe, expect, it } from "vitest";
import { formatProblem, parseProfile } from "../src/index.js";

const good = `id: gdp
name: GDP
schedule: { every: 6h }
source:
  url: https://example.org/gdp
records:
  path: "$[1][*]"
  time: { field: date, format: yyyy }
  measures:
    value: value
`;

describe("parsing a profile file", () => {
  it("gives the profile and a digest of its text", () => {
    const parsed = parseProfile("gdp.yaml", good);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.profile.id).toBe("gdp");
    expect(parsed.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(parseProfile("other.yaml", good)).toMatchObject({ digest: parsed.digest });
  });

  it("points at the line and column of a bad value", () => {
    const parsed = parseProfile("gdp.yaml", good.replace("every: 6h", "every: often"));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      {
        file: "gdp.yaml",
        line: 3,
        column: 20,
        field: "schedule.every",
        message: "every must be a duration such as 30s, 5m, 6h or 1d",
      },
    ]);
    expect(formatProblem(parsed.problems[0] as never)).toBe(
      "gdp.yaml:3:20: schedule.every: every must be a duration such as 30s, 5m, 6h or 1d",
    );
  });

  it("points at the key of a misspelt field", () => {
    const parsed = parseProfile("gdp.yaml", good.replace("  path:", "  pathh:"));
    if (parsed.ok) throw new Error("expected problems");
    expect(parsed.problems[0]).toMatchObject({ line: 7, column: 3, field: "records" });
    expect(parsed.problems[0]?.message).toContain("pathh");
  });

  it("points at the parent of a missing field", () => {
    const parsed = parseProfile(
      "gdp.yaml",
      good.replace("  url: https://example.org/gdp\n", "  method: GET\n"),
    );
    if (parsed.ok) throw new Error("expected problems");
    expect(parsed.problems[0]).toMatchObject({ line: 5, field: "source.url" });
  });

  it("reports YAML syntax errors with their position", () => {
    const parsed = parseProfile("gdp.yaml", "id: gdp\nname: [unclosed\n");
    if (parsed.ok) throw new Error("expected problems");
    expect(parsed.problems[0]?.message).toMatch(/^YAML syntax: /);
    expect(parsed.problems[0]?.line).toBeGreaterThanOrEqual(2);
  });
});
