import type { TimeSpec } from "@chartly/contracts";
import { describe, expect, it } from "vitest";
import { parseTime, TIME_AGGREGATE } from "../../src/engine/time.js";

const spec = (format: TimeSpec["format"], timezone = "UTC"): TimeSpec => ({ field: "t", format, timezone });

/** The parsed instant as an ISO string, or the failure reason unchanged. */
const iso = (value: unknown, timeSpec: TimeSpec): string => {
  const result = parseTime(value, timeSpec);
  return typeof result === "string" ? result : result.toISOString();
};

describe("parseTime with iso", () => {
  it("reads full ISO 8601 times with a zone", () => {
    expect(iso("2020-01-31T12:34:56Z", spec("iso"))).toBe("2020-01-31T12:34:56.000Z");
    expect(iso("2020-01-31T12:34:56.789+02:00", spec("iso"))).toBe("2020-01-31T10:34:56.789Z");
    expect(iso("2022-02-04T03:15:41+00:00", spec("iso"))).toBe("2022-02-04T03:15:41.000Z");
    expect(iso("2020-01-31T00:00:00-0500", spec("iso"))).toBe("2020-01-31T05:00:00.000Z");
  });

  it("lets a zone written in the value override the profile's timezone", () => {
    expect(iso("2020-01-31T12:00:00Z", spec("iso", "+02:00"))).toBe("2020-01-31T12:00:00.000Z");
  });

  it("interprets a time without zone in the profile's timezone", () => {
    expect(iso("2020-01-31T12:00:00", spec("iso"))).toBe("2020-01-31T12:00:00.000Z");
    expect(iso("2020-01-31T12:00:00", spec("iso", "Z"))).toBe("2020-01-31T12:00:00.000Z");
    expect(iso("2020-01-31T12:00:00", spec("iso", "+02:00"))).toBe("2020-01-31T10:00:00.000Z");
    expect(iso("2020-01-31T12:00:00", spec("iso", "-05:30"))).toBe("2020-01-31T17:30:00.000Z");
  });

  it("accepts a space instead of T and minutes without seconds", () => {
    expect(iso("2014-09-27 00:00", spec("iso"))).toBe("2014-09-27T00:00:00.000Z");
    expect(iso("2014-09-27 23:54", spec("iso", "+01:00"))).toBe("2014-09-27T22:54:00.000Z");
  });

  it("accepts a date alone as midnight in the profile's timezone", () => {
    expect(iso("2020-01-31", spec("iso"))).toBe("2020-01-31T00:00:00.000Z");
    expect(iso("2020-01-31", spec("iso", "+02:00"))).toBe("2020-01-30T22:00:00.000Z");
  });

  it("keeps milliseconds and drops finer fractions", () => {
    expect(iso("2020-01-31T00:00:00.5Z", spec("iso"))).toBe("2020-01-31T00:00:00.500Z");
    expect(iso("2020-01-31T00:00:00.123456789Z", spec("iso"))).toBe("2020-01-31T00:00:00.123Z");
  });

  it("rejects times that are not ISO 8601", () => {
    expect(iso("31/01/2020", spec("iso"))).toBe('time "31/01/2020" is not a valid ISO 8601 time');
    expect(iso("2020-01-31T25:00:00Z", spec("iso"))).toBe(
      'time "2020-01-31T25:00:00Z" is not a valid ISO 8601 time',
    );
    expect(iso(1580428800, spec("iso"))).toBe("time 1580428800 is not a valid ISO 8601 time");
  });

  it("rejects dates that do not exist instead of rolling them over", () => {
    expect(iso("2021-02-29T00:00:00Z", spec("iso"))).toBe(
      'time "2021-02-29T00:00:00Z" is not a valid ISO 8601 time',
    );
    expect(iso("2020-02-29", spec("iso"))).toBe("2020-02-29T00:00:00.000Z");
  });
});

describe("parseTime with epochs", () => {
  it("reads epoch seconds from numbers and numeric strings", () => {
    expect(iso(1580428800, spec("epoch_s"))).toBe("2020-01-31T00:00:00.000Z");
    expect(iso("1580428800", spec("epoch_s"))).toBe("2020-01-31T00:00:00.000Z");
    expect(iso(1580428800.25, spec("epoch_s"))).toBe("2020-01-31T00:00:00.250Z");
  });

  it("reads epoch milliseconds from numbers and numeric strings", () => {
    expect(iso(1580428800123, spec("epoch_ms"))).toBe("2020-01-31T00:00:00.123Z");
    expect(iso(" 1580428800123 ", spec("epoch_ms"))).toBe("2020-01-31T00:00:00.123Z");
  });

  it("ignores the profile's timezone because an epoch is already an instant", () => {
    expect(iso(0, spec("epoch_s", "+02:00"))).toBe("1970-01-01T00:00:00.000Z");
  });

  it("rejects non-numeric and out-of-range epochs", () => {
    expect(iso("soon", spec("epoch_ms"))).toBe('time "soon" is not a valid epoch_ms timestamp');
    expect(iso("2020-01-31", spec("epoch_s"))).toBe('time "2020-01-31" is not a valid epoch_s timestamp');
    expect(iso(true, spec("epoch_s"))).toBe("time true is not a valid epoch_s timestamp");
    expect(iso(1e15, spec("epoch_s"))).toBe("time 1000000000000000 is outside the years 0000 to 9999");
  });
});

describe("parseTime with calendar formats", () => {
  it("reads a year as the first of January", () => {
    expect(iso("2019", spec("yyyy"))).toBe("2019-01-01T00:00:00.000Z");
    expect(iso(2019, spec("yyyy"))).toBe("2019-01-01T00:00:00.000Z");
  });

  it("reads a year and month as the first of the month", () => {
    expect(iso("2024-02", spec("yyyy-MM"))).toBe("2024-02-01T00:00:00.000Z");
  });

  it("reads a date as midnight", () => {
    expect(iso("1929-01-01", spec("yyyy-MM-dd"))).toBe("1929-01-01T00:00:00.000Z");
  });

  it("keeps years before 100 as written", () => {
    expect(iso("0050", spec("yyyy"))).toBe("0050-01-01T00:00:00.000Z");
  });

  it("applies the profile's timezone", () => {
    expect(iso("2019", spec("yyyy", "+09:00"))).toBe("2018-12-31T15:00:00.000Z");
    expect(iso("2024-02", spec("yyyy-MM", "-05:00"))).toBe("2024-02-01T05:00:00.000Z");
    expect(iso("2021-03-01", spec("yyyy-MM-dd", "+02:00"))).toBe("2021-02-28T22:00:00.000Z");
  });

  it("rejects dates that do not exist", () => {
    expect(iso("2021-02-30", spec("yyyy-MM-dd"))).toBe('time "2021-02-30" is not a valid yyyy-MM-dd date');
    expect(iso("2020-13", spec("yyyy-MM"))).toBe('time "2020-13" is not a valid yyyy-MM date');
    expect(iso("2020-00-10", spec("yyyy-MM-dd"))).toBe('time "2020-00-10" is not a valid yyyy-MM-dd date');
  });

  it("rejects values in another format", () => {
    expect(iso("2020-01-31", spec("yyyy"))).toBe('time "2020-01-31" is not a valid yyyy date');
    expect(iso("2020", spec("yyyy-MM"))).toBe('time "2020" is not a valid yyyy-MM date');
    expect(iso("2020-01-31T00:00:00Z", spec("yyyy-MM-dd"))).toBe(
      'time "2020-01-31T00:00:00Z" is not a valid yyyy-MM-dd date',
    );
    expect(iso(2019.5, spec("yyyy"))).toBe("time 2019.5 is not a valid yyyy date");
  });
});

describe("parseTime with a missing value", () => {
  it.each([null, undefined, "", "   "])("reports %j as missing", (value) => {
    expect(parseTime(value, spec("iso"))).toBe("time missing");
  });
});

describe("parseTime with quarters, weeks, BLS and reporting periods", () => {
  it("reads quarters written with a dash, a space or nothing as the quarter's first day", () => {
    expect(iso("2023-Q1", spec("yyyy-Qq"))).toBe("2023-01-01T00:00:00.000Z");
    expect(iso("2023Q2", spec("yyyy-Qq"))).toBe("2023-04-01T00:00:00.000Z");
    expect(iso("2023 Q3", spec("yyyy-Qq"))).toBe("2023-07-01T00:00:00.000Z");
    expect(iso("2023-q4", spec("yyyy-Qq"))).toBe("2023-10-01T00:00:00.000Z");
    expect(iso("2023-Q5", spec("yyyy-Qq"))).toBe('time "2023-Q5" is not a valid yyyy-Qq date');
  });

  it("reads ISO weeks as their Monday, across year boundaries", () => {
    expect(iso("2024-W01", spec("yyyy-Www"))).toBe("2024-01-01T00:00:00.000Z");
    expect(iso("2021-W01", spec("yyyy-Www"))).toBe("2021-01-04T00:00:00.000Z");
    expect(iso("2020-W53", spec("yyyy-Www"))).toBe("2020-12-28T00:00:00.000Z");
    expect(iso("2025W01", spec("yyyy-Www"))).toBe("2024-12-30T00:00:00.000Z");
    expect(iso("2021-W53", spec("yyyy-Www"))).toBe('time "2021-W53" is not a valid yyyy-Www date');
  });

  it("reads BLS periods and reports averages as aggregates", () => {
    expect(iso("2022-M01", spec("bls"))).toBe("2022-01-01T00:00:00.000Z");
    expect(iso("2022M12", spec("bls"))).toBe("2022-12-01T00:00:00.000Z");
    expect(iso("2022-Q03", spec("bls"))).toBe("2022-07-01T00:00:00.000Z");
    expect(iso("2022-S02", spec("bls"))).toBe("2022-07-01T00:00:00.000Z");
    expect(iso("2022-A01", spec("bls"))).toBe("2022-01-01T00:00:00.000Z");
    expect(iso("2022-M13", spec("bls"))).toBe(TIME_AGGREGATE);
    expect(iso("2022-Q05", spec("bls"))).toBe(TIME_AGGREGATE);
    expect(iso("2022-M14", spec("bls"))).toMatch(/is not a valid BLS period/);
  });

  it("reads any SDMX reporting period with format period", () => {
    const period = spec("period");
    expect(iso("2024", period)).toBe("2024-01-01T00:00:00.000Z");
    expect(iso(2024, period)).toBe("2024-01-01T00:00:00.000Z");
    expect(iso("2024-03", period)).toBe("2024-03-01T00:00:00.000Z");
    expect(iso("2024-M03", period)).toBe("2024-03-01T00:00:00.000Z");
    expect(iso("2024-03-15", period)).toBe("2024-03-15T00:00:00.000Z");
    expect(iso("2024-Q2", period)).toBe("2024-04-01T00:00:00.000Z");
    expect(iso("2024-S2", period)).toBe("2024-07-01T00:00:00.000Z");
    expect(iso("2024-W09", period)).toBe("2024-02-26T00:00:00.000Z");
    expect(iso("2024-13", period)).toMatch(/is not a valid reporting period/);
  });
});
