/**
 * The profile language's JSON Schema is what editors show on hover and complete from: every field
 * it lists carries a description, so a field added without one is caught here.
 */
import { describe, expect, it } from "vitest";
import { profileJsonSchema } from "../src/index.js";

/** Dotted paths of the properties, anywhere in the schema, that have no description. */
function undescribed(node: unknown, path = ""): string[] {
  if (Array.isArray(node)) return node.flatMap((item) => undescribed(item, path));
  if (node === null || typeof node !== "object") return [];
  const missing: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties" && value && typeof value === "object") {
      for (const [name, property] of Object.entries(value)) {
        const field = path ? `${path}.${name}` : name;
        if (typeof (property as { description?: unknown }).description !== "string") missing.push(field);
        missing.push(...undescribed(property, field));
      }
    } else {
      missing.push(...undescribed(value, path));
    }
  }
  return missing;
}

describe("the profile JSON Schema", () => {
  it("describes every field of the language", () => {
    expect(undescribed(profileJsonSchema())).toEqual([]);
  });

  it("carries the reference's wording into nested sections and each kind of a union", () => {
    const text = JSON.stringify(profileJsonSchema());
    expect(text).toContain("Read at most this many pages: a normal end, unlike limits.maxPages");
    expect(text).toContain("OAuth2 client credentials: a token fetched from tokenUrl");
    expect(text).toContain("Relation of the link to follow in the Link response header (default next).");
    expect(
      undescribed({ properties: { a: { type: "string" }, b: { description: "b", properties: { c: {} } } } }),
    ).toEqual(["a", "b.c"]);
  });
});
