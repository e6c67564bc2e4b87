/**
 * @module Missing values: trimmed at the ends, filled inside. A one-point hole is interpolated
 * linearly; a longer one in a seasonal series copies the previous season and shifts it so both
 * edges join up, since a straight line across a day of hourly data would erase the daily cycle.
 */

export interface Filled {
  values: Float64Array;
  /** Interior points that were filled. */
  filled: number;
  /** Missing points dropped before the first and after the last observation. */
  leading: number;
  trailing: number;
}

/** Fills the interior holes (NaN) of `raw`; m is the seasonal period (1 for none). */
export function fillMissing(raw: Float64Array, m: number): Filled {
  let start = 0;
  while (start < raw.length && Number.isNaN(raw[start] as number)) start++;
  let end = raw.length;
  while (end > start && Number.isNaN(raw[end - 1] as number)) end--;
  const values = raw.slice(start, end);
  let filled = 0;
  let t = 0;
  while (t < values.length) {
    if (!Number.isNaN(values[t] as number)) {
      t++;
      continue;
    }
    const left = t - 1;
    let right = t;
    while (Number.isNaN(values[right] as number)) right++;
    const gap = right - t;
    const before = values[left] as number;
    const after = values[right] as number;
    if (m > 1 && gap > 1 && left - m >= 0) {
      const offsetLeft = before - (values[left - m] as number);
      const offsetRight = right - m < t ? after - (values[right - m] as number) : offsetLeft;
      for (let j = t; j < right; j++) {
        const share = (j - left) / (right - left);
        values[j] = (values[j - m] as number) + offsetLeft + share * (offsetRight - offsetLeft);
      }
    } else {
      for (let j = t; j < right; j++) values[j] = before + ((after - before) * (j - left)) / (right - left);
    }
    filled += gap;
    t = right;
  }
  return { values, filled, leading: start, trailing: raw.length - end };
}
