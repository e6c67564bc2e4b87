/**
 * @module What the dry run prints, as plain text: each request as it is made, then the run's
 * outcome, statistics and the first normalised records. Pure: the caller writes the lines.
 */
import type { NormalisedRecord } from "@chartly/contracts";
import type { RunOutcome } from "../runner.js";
import type { RequestEvent } from "../source/client.js";

export function requestLine(event: RequestEvent): string {
  const answer =
    event.status === undefined ? `failed: ${event.error ?? "no answer"}` : `HTTP ${event.status}`;
  const attempt = event.attempt > 1 ? ` (attempt ${event.attempt})` : "";
  return `→ ${event.method} ${event.url}  ${answer}  ${event.ms} ms${attempt}`;
}

export function summary(outcome: RunOutcome, records: NormalisedRecord[], shown: number): string[] {
  const { stats } = outcome;
  const lines = [
    "",
    `status     ${outcome.status}${outcome.error ? `: ${outcome.error.code}: ${outcome.error.message}` : ""}`,
    `pages      ${stats.pages}   requests ${stats.requests ?? 0}   retries ${stats.retries ?? 0}   bytes ${stats.bytes}   ${stats.durationMs ?? 0} ms`,
    `records    ${stats.recordsIn ?? 0} read, ${stats.recordsOut} normalised`,
  ];
  const counts = (label: string, counted: Record<string, number> | undefined) => {
    const entries = Object.entries(counted ?? {}).sort(([, a], [, b]) => b - a);
    if (entries.length > 0)
      lines.push(`${label} ${entries.map(([reason, n]) => `${reason}: ${n}`).join(", ")}`);
  };
  counts("skipped   ", stats.skipped);
  counts("nulls     ", stats.nulls);
  counts("paging    ", stats.pageStops);
  if (outcome.cursor) lines.push(`cursor     ${outcome.cursor.value} (would be stored for the next run)`);
  if (records.length > 0) {
    lines.push("", `first ${Math.min(shown, records.length)} of ${stats.recordsOut} records:`);
    for (const record of records.slice(0, shown)) lines.push(JSON.stringify(record));
  }
  return lines;
}

/** 0 when the run read everything, 2 when a limit or loop cut it short, 1 when it failed. */
export function exitCode(outcome: RunOutcome): number {
  return outcome.status === "succeeded" ? 0 : outcome.status === "partial" ? 2 : 1;
}
