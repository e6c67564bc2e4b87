/** @module The canonical identity of a set of dims: sorted `name=value` pairs, escaped. */

const escape = (s: string) => s.replace(/[\\&=]/g, (c) => `\\${c}`);

export function dimsKey(dims: Record<string, string>): string {
  return Object.keys(dims)
    .sort()
    .map((name) => `${escape(name)}=${escape(dims[name] as string)}`)
    .join("&");
}
