/**
 * @module The run's limits (pages, records, bytes, duration) with the drone's defaults for those
 * a profile leaves out. Reaching one ends the run `partial`: what was read is kept, and the reason
 * says which limit stopped it.
 */
import { DEFAULT_LIMITS, type LimitsSpec, parseByteSize, parseDuration } from "@chartly/contracts";
import type { Failure } from "../source/failure.js";

export interface Limits {
  maxPages: number;
  maxRecords: number;
  maxBytes: number;
  maxDurationMs: number;
  /** As written (or defaulted), for messages. */
  text: { maxBytes: string; maxDuration: string };
}

export function resolveLimits(spec: LimitsSpec | undefined): Limits {
  const maxBytes = spec?.maxBytes ?? DEFAULT_LIMITS.maxBytes;
  const maxDuration = spec?.maxDuration ?? DEFAULT_LIMITS.maxDuration;
  return {
    maxPages: spec?.maxPages ?? DEFAULT_LIMITS.maxPages,
    maxRecords: spec?.maxRecords ?? DEFAULT_LIMITS.maxRecords,
    maxBytes: parseByteSize(maxBytes) ?? Number.POSITIVE_INFINITY,
    maxDurationMs: parseDuration(maxDuration) ?? Number.POSITIVE_INFINITY,
    text: { maxBytes: String(maxBytes), maxDuration },
  };
}

export const limitReached = {
  pages: (limits: Limits): Failure => ({
    code: "limit_pages",
    message: `stopped after ${limits.maxPages} pages with more to read (limits.maxPages)`,
    partial: true,
  }),
  records: (limits: Limits): Failure => ({
    code: "limit_records",
    message: `stopped at ${limits.maxRecords} records with more to read (limits.maxRecords)`,
    partial: true,
  }),
  bytes: (limits: Limits): Failure => ({
    code: "limit_bytes",
    message: `stopped after reading ${limits.text.maxBytes} (limits.maxBytes); the page being read was cut short`,
    partial: true,
  }),
  duration: (limits: Limits): Failure => ({
    code: "limit_duration",
    message: `stopped after running for ${limits.text.maxDuration} (limits.maxDuration)`,
    partial: true,
  }),
};
