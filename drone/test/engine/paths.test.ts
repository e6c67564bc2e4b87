import { describe, expect, it } from "vitest";
import { compilePath } from "../../src/engine/paths.js";

describe("compilePath", () => {
  it("reads a top-level field", () => {
    expect(compilePath("date")({ date: "2019", value: 1 })).toBe("2019");
  });

  it("follows nested objects along a dot path", () => {
    const record = { indicator: { id: "NY.GDP.MKTP.CD", value: "GDP (current US$)" } };
    expect(compilePath("indicator.id")(record)).toBe("NY.GDP.MKTP.CD");
    expect(compilePath("a.b.c")({ a: { b: { c: 0 } } })).toBe(0);
  });

  it("indexes arrays with numeric segments", () => {
    expect(compilePath("values.0")({ values: [10, 20] })).toBe(10);
    expect(compilePath("values.1.v")({ values: [{ v: 1 }, { v: 2 }] })).toBe(2);
    expect(compilePath("0")(["first"])).toBe("first");
  });

  it("treats a numeric segment as a key on an object", () => {
    expect(compilePath("calculations.12")({ calculations: { "12": "34.5" } })).toBe("34.5");
  });

  it("returns undefined when any step is missing", () => {
    const read = compilePath("a.b.c");
    expect(read({})).toBeUndefined();
    expect(read({ a: null })).toBeUndefined();
    expect(read({ a: { b: "text" } })).toBeUndefined();
    expect(read(null)).toBeUndefined();
    expect(read("a")).toBeUndefined();
    expect(compilePath("values.2")({ values: [1, 2] })).toBeUndefined();
  });

  it("does not index arrays with non-numeric segments", () => {
    expect(compilePath("values.length")({ values: [1, 2] })).toBeUndefined();
    expect(compilePath("values.01")({ values: [1, 2] })).toBeUndefined();
  });

  it("keeps null values distinct from missing ones", () => {
    expect(compilePath("value")({ value: null })).toBeNull();
  });

  it("ignores inherited properties", () => {
    expect(compilePath("constructor")({})).toBeUndefined();
    expect(compilePath("a.toString")({ a: {} })).toBeUndefined();
    expect(compilePath("__proto__")({})).toBeUndefined();
  });

  it("can be reused across many records", () => {
    const read = compilePath("v");
    expect([{ v: 1 }, { v: 2 }, {}].map(read)).toEqual([1, 2, undefined]);
  });
});
