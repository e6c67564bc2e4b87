/** @module The canonical identity of a set of dims: sorted `name=value` pairs, escaped. */

const escapePart = (s: string) => s.replace(/[\\&=]/g, (c) => `\\${c}`);

export function dimsKey(dims: Record<string, string>): string {
  return Object.keys(dims)
    .sort()
    .map((name) => `${escapePart(name)}=${escapePart(dims[name] as string)}`)
    .join("&");
}
