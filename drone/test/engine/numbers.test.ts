import { describe, expect, it } from "vitest";
import { parseNumber } from "../../src/engine/numbers.js";

describe("parseNumber", () => {
  it("passes finite numbers through", () => {
    expect(parseNumber(5081769542379.77)).toEqual({ value: 5081769542379.77 });
    expect(parseNumber(0)).toEqual({ value: 0 });
    expect(parseNumber(-1.5)).toEqual({ value: -1.5 });
  });

  it("turns non-finite numbers into null with a reason", () => {
    expect(parseNumber(Number.NaN)).toEqual({
      value: null,
      reason: "not a finite number: NaN",
      kind: "not a number",
    });
    expect(parseNumber(Number.POSITIVE_INFINITY).value).toBeNull();
  });

  it("reads numeric strings after trimming", () => {
    expect(parseNumber("30.1").value).toBe(30.1);
    expect(parseNumber("  -0.25 ").value).toBe(-0.25);
    expect(parseNumber("+7").value).toBe(7);
    expect(parseNumber(".5").value).toBe(0.5);
    expect(parseNumber("1.5e3").value).toBe(1500);
  });

  it("strips thousands separators", () => {
    expect(parseNumber("1,234.5").value).toBe(1234.5);
    expect(parseNumber("12,345,678").value).toBe(12345678);
    expect(parseNumber("-1,000").value).toBe(-1000);
  });

  it("refuses commas that do not group thousands rather than guessing", () => {
    expect(parseNumber("1,5")).toEqual({ value: null, reason: 'not a number: "1,5"', kind: "not a number" });
    expect(parseNumber("12,34,567").value).toBeNull();
  });

  it("strips footnote markers", () => {
    expect(parseNumber("12.3 (p)").value).toBe(12.3);
    expect(parseNumber("12.3(e)").value).toBe(12.3);
    expect(parseNumber("12.3 (P)").value).toBe(12.3);
    expect(parseNumber("12.3 [r]").value).toBe(12.3);
    expect(parseNumber("12.3*").value).toBe(12.3);
    expect(parseNumber("12.3 **").value).toBe(12.3);
    expect(parseNumber("1,234.5 (p)").value).toBe(1234.5);
    expect(parseNumber("12.3* (p)").value).toBe(12.3);
  });

  it("strips status letters written after a space", () => {
    expect(parseNumber("12.3 p").value).toBe(12.3);
    expect(parseNumber("104.2 bep").value).toBe(104.2);
  });

  it("does not strip letters that could be a unit or part of the number", () => {
    expect(parseNumber("12 km").value).toBeNull();
    expect(parseNumber("12.3p").value).toBeNull();
    expect(parseNumber("12.3 P").value).toBeNull();
  });

  it.each(["", "-", "..", "(NA)", "NA", "N/A", "null", ".", ":", "n.a."])(
    "treats %j as a missing marker",
    (marker) => {
      expect(parseNumber(marker)).toEqual({
        value: null,
        reason: `missing marker ${JSON.stringify(marker)}`,
        kind: "value missing marker",
      });
    },
  );

  it("recognises a missing marker that carries a footnote", () => {
    expect(parseNumber(": c")).toEqual({
      value: null,
      reason: 'missing marker ": c"',
      kind: "value missing marker",
    });
  });

  it("treats null and undefined as missing", () => {
    expect(parseNumber(null)).toEqual({ value: null, reason: "missing", kind: "value missing" });
    expect(parseNumber(undefined)).toEqual({ value: null, reason: "missing", kind: "value missing" });
  });

  it("rejects anything else with the raw value in the reason", () => {
    expect(parseNumber("abc")).toEqual({ value: null, reason: 'not a number: "abc"', kind: "not a number" });
    expect(parseNumber("0x10").reason).toBe('not a number: "0x10"');
    expect(parseNumber("Infinity").reason).toBe('not a number: "Infinity"');
    expect(parseNumber("1e999").reason).toBe('not a finite number: "1e999"');
    expect(parseNumber(true).reason).toBe("not a number: true");
    expect(parseNumber({ v: 1 }).reason).toBe('not a number: {"v":1}');
  });

  it("shortens long raw values in reasons", () => {
    const reason = parseNumber("x".repeat(500)).reason ?? "";
    expect(reason.length).toBeLessThan(80);
    expect(reason.endsWith("…")).toBe(true);
  });
});
