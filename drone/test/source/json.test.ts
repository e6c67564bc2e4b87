import { describe, expect, it } from "vitest";
import { parseJson, parseJsonText } from "../../src/source/formats/json.js";

describe("reading JSON bodies", () => {
  it("keeps integers beyond 2^53 as the digits sent, and reads every other number as a number", () => {
    const text =
      '{"id":1858735296123456789,"neg":-9007199254740993,"safe":9007199254740991,"ratio":0.30000000000000004,' +
      '"big":1.5e300,"frac":1234567890123456.5,"label":"1858735296123456789","list":[18587352961234567890,1]}';
    expect(parseJsonText(text)).toEqual({
      id: "1858735296123456789",
      neg: "-9007199254740993",
      safe: 9007199254740991,
      ratio: 0.30000000000000004,
      big: 1.5e300,
      frac: 1234567890123456.5,
      label: "1858735296123456789",
      list: ["18587352961234567890", 1],
    });
  });

  it("reads what JSON.parse reads the same way, duplicate keys included", () => {
    for (const text of [
      '{"a":1,"a":2,"n":12345678901234567890}',
      '[{"__proto__":{"x":1},"id":18587352961234567890}]',
      '{"t":"2024-01-01","v":[1,2.5,-0,true,null,"x"],"id":1234567890123456789012}',
    ]) {
      const exact = parseJsonText(text);
      const plain = JSON.parse(text, (_key, value) =>
        typeof value === "number" && !Number.isSafeInteger(value) && Number.isInteger(value)
          ? "(big)"
          : value,
      );
      expect(JSON.stringify(exact).replace(/"\d{16,}"/g, '"(big)"')).toBe(JSON.stringify(plain));
    }
    const proto = (parseJsonText('[{"__proto__":{"x":1},"id":18587352961234567890}]') as object[])[0];
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });

  it("names where a document with long integers stops being JSON", () => {
    const result = parseJson('{"id":1858735296123456789,', "GET https://example.org/x", "application/json");
    expect(result).toMatchObject({ ok: false, failure: { code: "source_not_json" } });
    const message = result.ok ? "" : result.failure.message;
    expect(message).toContain("GET https://example.org/x did not return JSON (application/json)");
    expect(message).toContain('body starts "{"id":1858735296123456789,"');
  });
});
