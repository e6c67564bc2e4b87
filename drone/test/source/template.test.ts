// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { describe, expect, it } from "vitest";
import { renderJson, renderString, secretNames, type TemplateContext } from "../../src/source/template.js";

const context: TemplateContext = {
  vars: { value: "A B/C", cursor: undefined, year: 2024 },
  secrets: new Map([["API_KEY", "s3cr3t"]]),
};

describe("templates", () => {
  it("fills variables and secrets into text", () => {
    expect(renderString("key=${secret:API_KEY}&v=${value}", context)).toEqual({
      ok: true,
      value: "key=s3cr3t&v=A B/C",
    });
  });

  it("percent-encodes substituted values when asked, leaving the template text alone", () => {
    expect(renderString("https://x.test/a/${value}?q=1", context, encodeURIComponent)).toEqual({
      ok: true,
      value: "https://x.test/a/A%20B%2FC?q=1",
    });
  });

  it("uses the fallback of an unset variable, and says how to give one when there is none", () => {
    expect(renderString("${cursor:-2020-01-01}", context)).toEqual({ ok: true, value: "2020-01-01" });
    const unset = renderString("since=${cursor}", context);
    expect(unset).toMatchObject({ ok: false, failure: { code: "template_unset" } });
    expect(!unset.ok && unset.failure.message).toContain("${cursor:-2020-01-01}");
  });

  it("writes $${ as a literal ${ and leaves other dollars alone", () => {
    expect(renderString("$${value} costs $5", context)).toEqual({ ok: true, value: "${value} costs $5" });
  });

  it("keeps the type of a value that is a whole JSON string, and renders nested strings", () => {
    expect(renderJson({ year: "${year}", ids: ["${value}", "x-${year}"], n: 3 }, context)).toEqual({
      ok: true,
      value: { year: 2024, ids: ["A B/C", "x-2024"], n: 3 },
    });
  });

  it("lists the secrets a source refers to", () => {
    const names = secretNames({ headers: { a: "${secret:ONE}" }, q: ["${secret:TWO}", "${value}"] });
    expect([...names].sort()).toEqual(["ONE", "TWO"]);
  });
});
