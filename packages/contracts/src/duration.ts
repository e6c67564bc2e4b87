/** @module Durations as written in profiles and env (`30s`, `5m`, `6h`, `2d`, `1w`, `5y`, `500ms`). */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  /** A year of 365 days: retention periods, not calendar arithmetic. */
  y: 31_536_000_000,
};

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)$/;

/** Parses a duration into milliseconds, or returns undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  const factor = UNIT_MS[unit as string];
  if (factor === undefined) return undefined;
  return Math.round(Number(amount) * factor);
}

/** Formats milliseconds with the largest unit that divides them exactly. */
export function formatDuration(ms: number): string {
  for (const unit of ["y", "w", "d", "h", "m", "s"] as const) {
    const factor = UNIT_MS[unit] as number;
    if (ms >= factor && ms % factor === 0) return `${ms / factor}${unit}`;
  }
  return `${ms}ms`;
}
