/**
 * @module Field paths: the dot paths a profile uses to point into one record (`date`,
 * `indicator.id`, `values.0`). A run reads the same few paths from every record, so each path is
 * split once when the profile is loaded and the returned accessor only walks the segments.
 */

interface Segment {
  key: string;
  /** Set when the segment can index an array; other segments never match inside arrays. */
  index: number | undefined;
}

export type Accessor = (record: unknown) => unknown;

export function compilePath(path: string): Accessor {
  const segments: Segment[] = path.split(".").map((key) => ({
    key,
    index: /^(0|[1-9]\d*)$/.test(key) ? Number(key) : undefined,
  }));
  return (record) => {
    let current = record;
    for (const segment of segments) {
      current = step(current, segment);
      if (current === undefined) return undefined;
    }
    return current;
  };
}

function step(current: unknown, segment: Segment): unknown {
  if (current === null || typeof current !== "object") return undefined;
  if (Array.isArray(current)) {
    return segment.index === undefined ? undefined : current[segment.index];
  }
  // Own properties only: a path such as `constructor` or `__proto__` must read the data, not
  // whatever the object inherits.
  return Object.hasOwn(current, segment.key) ? (current as Record<string, unknown>)[segment.key] : undefined;
}
