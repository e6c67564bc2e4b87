import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { KEYS, startWorld, type World } from "./harness.js";

const VALID = `id: worldbank-gdp
name: GDP
schedule: { every: 6h }
source:
  url: https://api.worldbank.org/v2/country/all/indicator/NY.GDP.MKTP.CD
records:
  path: "$[1][*]"
  time: { field: date, format: yyyy }
  measures: { value: value }
`;

/** Two mistakes: a misspelt field and a time format that does not exist. */
const INVALID = VALID.replace("  url:", "  urll: x\n  url:").replace("format: yyyy }", "format: yyyyy }");

describe("validating profiles through the gateway", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
  });
  afterAll(() => world.close());

  const validate = (body: string, contentType: string, key: string = KEYS.editor) =>
    app.request("/api/v1/profiles:validate", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": contentType },
      body,
    });

  it("answers valid with the profile's id for a good profile sent as YAML", async () => {
    const response = await validate(VALID, "application/yaml");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      valid: true,
      problems: [],
      profile: { id: "worldbank-gdp", name: "GDP" },
    });
  });

  it("lists every problem with its line, column and field", async () => {
    const response = await validate(INVALID, "text/yaml; charset=utf-8");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { valid: boolean; problems: unknown[] };
    expect(body.valid).toBe(false);
    expect(body.problems).toEqual([
      expect.objectContaining({ file: "profile.yaml", line: 5, column: 3, field: "source" }),
      expect.objectContaining({ line: 9, field: "records.time.format" }),
    ]);
    expect(JSON.stringify(body.problems)).toMatch(/urll/);
  });

  it("takes JSON with a file name, and reports YAML syntax errors", async () => {
    const response = await validate(
      JSON.stringify({ yaml: "id: [unclosed\nname: x", file: "mine.yaml" }),
      "application/json",
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { valid: boolean; problems: { file: string; message: string }[] };
    expect(body.valid).toBe(false);
    expect(body.problems[0]).toMatchObject({
      file: "mine.yaml",
      message: expect.stringMatching(/^YAML syntax/),
    });
  });

  it("refuses a body of another type, naming the header", async () => {
    expect((await validate(VALID, "application/octet-stream")).status).toBe(415);
    const empty = await app.request("/api/v1/profiles:validate", {
      method: "POST",
      headers: { authorization: `Bearer ${KEYS.editor}` },
    });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(await empty.json())).toMatch(/Content-Type must be application\/yaml/);
  });

  it("is for profile authors: readers are refused", async () => {
    expect((await validate(VALID, "application/yaml", KEYS.reader)).status).toBe(403);
  });

  it("needs a credential to validate", async () => {
    const response = await app.request("/api/v1/profiles:validate", {
      method: "POST",
      headers: { "content-type": "application/yaml" },
      body: VALID,
    });
    expect(response.status).toBe(401);
  });

  it("publishes the profile language as JSON Schema without a credential", async () => {
    const response = await app.request("/api/v1/profiles/schema");
    expect(response.status).toBe(200);
    const schema = (await response.json()) as {
      $schema: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { properties?: Record<string, { enum?: string[] }> }>;
    };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.required).toEqual(expect.arrayContaining(["id", "name", "schedule", "source", "records"]));
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.records?.properties?.shape?.enum).toContain("jsonstat");
    expect(schema.properties).toHaveProperty("incremental");
  });
});
