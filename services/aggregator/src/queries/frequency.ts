/**
 * @module The typical spacing of a series, from the median gap between its latest points:
 * fixed widths where the gaps are exact, calendar widths where months and years vary.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function inferFrequency(timestampsMs: number[]): string | null {
  if (timestampsMs.length < 3) return null;
  const sorted = [...timestampsMs].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const gap = (sorted[i] as number) - (sorted[i - 1] as number);
    if (gap > 0) gaps.push(gap);
  }
  if (gaps.length < 2) return null;
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)] as number;
  // Calendar widths first: their gaps are not constant.
  if (median >= 28 * DAY && median <= 31 * DAY) return "1mo";
  if (median >= 89 * DAY && median <= 92 * DAY) return "1q";
  if (median >= 365 * DAY && median <= 366 * DAY) return "1y";
  for (const [unit, size] of [
    ["w", 7 * DAY],
    ["d", DAY],
    ["h", HOUR],
    ["m", MINUTE],
    ["s", SECOND],
  ] as const) {
    if (median >= size && median % size === 0) return `${median / size}${unit}`;
  }
  return `${median}ms`;
}

/**
 * Inferred frequencies by series, valid while the series keeps its first and last time and its
 * count: points are only added (changing the count or an end) or dropped from the old end by
 * retention (changing the first time and the count); revising values leaves times alone. Least
 * recently used entries go first once `capacity` is reached.
 */
export class FrequencyCache {
  private readonly entries = new Map<number, { version: string; frequency: string | null }>();

  constructor(private readonly capacity = 100_000) {}

  static version(firstTs: Date | null, lastTs: Date | null, count: string | number): string {
    return `${firstTs?.getTime() ?? ""}:${lastTs?.getTime() ?? ""}:${count}`;
  }

  get(seriesId: number, version: string): string | null | undefined {
    const entry = this.entries.get(seriesId);
    if (!entry || entry.version !== version) return undefined;
    this.entries.delete(seriesId);
    this.entries.set(seriesId, entry);
    return entry.frequency;
  }

  set(seriesId: number, version: string, frequency: string | null): void {
    this.entries.delete(seriesId);
    this.entries.set(seriesId, { version, frequency });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
