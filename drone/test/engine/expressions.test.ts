import { RecordsSpecSchema } from "@chartly/contracts";
import { describe, expect, it } from "vitest";
import { compileExpressions } from "../../src/engine/expressions.js";
import { createNormaliser } from "../../src/engine/normalise.js";

const spec = (records: object) =>
  RecordsSpecSchema.parse({ time: { field: "t" }, measures: { v: "v" }, ...records });

describe("expressions", () => {
  it("computes expr: fields that the normaliser then reads like paths", async () => {
    const records = spec({
      time: { field: 'expr:year & "-" & $substring(period, 1) & "-01"', format: "yyyy-MM-dd" },
      dims: { series: "expr:$series" },
      measures: { value: "expr:$number(value) * 1000" },
    });
    const compiled = compileExpressions(records);
    if (!compiled.ok || !compiled.value) throw new Error("expected expressions");
    const raw = { year: "2022", period: "M03", value: "1.5" };
    const evaluated = await compiled.value.evaluate(raw, { series: "APU0000701111" });
    expect(evaluated.keep).toBe(true);
    expect(createNormaliser(records)(raw, evaluated.computed).record).toEqual({
      key: "APU0000701111|2022-03-01T00:00:00.000Z",
      time: "2022-03-01T00:00:00.000Z",
      dims: { series: "APU0000701111" },
      measures: { value: 1500 },
    });
  });

  it("keeps the records the filter holds true for, with or without the expr: prefix", async () => {
    for (const filter of ['period != "M13"', 'expr:period != "M13"']) {
      const compiled = compileExpressions(spec({ filter }));
      if (!compiled.ok || !compiled.value) throw new Error("expected a filter");
      expect((await compiled.value.evaluate({ period: "M01" }, {})).keep).toBe(true);
      expect((await compiled.value.evaluate({ period: "M13" }, {})).keep).toBe(false);
    }
  });

  it("reports a failing expression per record instead of throwing", async () => {
    const compiled = compileExpressions(spec({ measures: { v: 'expr:"a" + 1' } }));
    if (!compiled.ok || !compiled.value) throw new Error("expected expressions");
    expect(await compiled.value.evaluate({}, {})).toMatchObject({ keep: false, error: expect.any(String) });
  });

  it("names the field whose expression does not compile", () => {
    expect(compileExpressions(spec({ dims: { country: "expr:a +" } }))).toEqual({
      ok: false,
      message: expect.stringMatching(/^records\.dims\.country: "a \+" is not valid JSONata: .+/),
    });
    expect(compileExpressions(spec({ filter: "(" }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^records\.filter: "\(" is not valid JSONata/),
    });
  });

  it("has nothing to do for a spec without expressions", () => {
    expect(compileExpressions(spec({}))).toEqual({ ok: true, value: undefined });
  });
});
