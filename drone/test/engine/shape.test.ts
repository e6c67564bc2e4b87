import { describe, expect, it } from "vitest";
import { shaper } from "../../src/engine/shape.js";

describe("record shapes", () => {
  it("turns a Census-style table with a header row into records", () => {
    const shape = shaper("table");
    const rows = [
      ["NAME", "B01001_001E", "state"],
      ["Alabama", "4903185", "01"],
      ["Puerto Rico", null, "72"],
    ];
    expect(rows.flatMap((row) => [...shape(row)])).toEqual([
      { NAME: "Alabama", B01001_001E: "4903185", state: "01" },
      { NAME: "Puerto Rico", B01001_001E: null, state: "72" },
    ]);
  });

  it("turns parallel arrays into one record per index, copying scalar members", () => {
    const hourly = {
      time: ["2022-12-29T00:00", "2022-12-29T01:00"],
      temperature_2m: [19.1, 18.7],
      station: "x",
    };
    expect([...shaper("columns")(hourly)]).toEqual([
      { time: "2022-12-29T00:00", temperature_2m: 19.1, station: "x" },
      { time: "2022-12-29T01:00", temperature_2m: 18.7, station: "x" },
    ]);
  });

  it("reads arrays of unequal length to the longest, the missing values absent", () => {
    expect([...shaper("columns")({ a: [1, 2], b: [3] })]).toEqual([
      { a: 1, b: 3 },
      { a: 2, b: undefined },
    ]);
  });

  it("passes items through unchanged by default", () => {
    expect([...shaper(undefined)({ a: 1 })]).toEqual([{ a: 1 }]);
    expect([...shaper("rows")([1, 2])]).toEqual([[1, 2]]);
  });
});
