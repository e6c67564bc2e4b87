/**
 * @module `--base-url` for the dry run: sends a profile's requests to another origin (a replay
 * server, a staging copy of the API) by swapping the scheme, host and port of `source.url`, and
 * of the fan-out parent's URL when it is on the same origin. The path, query and references are
 * kept as written; a base URL with a path puts it in front of the source's path.
 */
import type { Profile } from "@chartly/contracts";

/** `scheme://authority` at the start of an absolute URL; references may only follow it. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

export type Retargeted = { ok: true; profile: Profile } | { ok: false; message: string };

/** Parses a `--base-url` argument: an absolute http(s) URL without query or fragment. */
export function parseBaseUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--base-url: expected an absolute http(s) URL such as http://127.0.0.1:8099, got "${text}"`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `--base-url: expected an http or https URL, got "${url.protocol}"`;
  if (url.search || url.hash)
    return "--base-url: expected no query or fragment, only scheme, host, port and path";
  return url;
}

/** The profile with every request on the source's origin sent to `base` instead. */
export function retarget(profile: Profile, base: URL): Profile {
  const sourceOrigin = ORIGIN.exec(profile.source.url)?.[0];
  const prefix = base.pathname.replace(/\/+$/, "");
  const move = (url: string) => {
    const origin = ORIGIN.exec(url)?.[0];
    return origin && origin.toLowerCase() === sourceOrigin?.toLowerCase()
      ? `${base.origin}${prefix}${url.slice(origin.length)}`
      : url;
  };
  const { source } = profile;
  const parent = source.fanOut?.from;
  return {
    ...profile,
    source: {
      ...source,
      url: move(source.url),
      ...(source.fanOut && parent
        ? { fanOut: { ...source.fanOut, from: { ...parent, url: move(parent.url) } } }
        : {}),
    },
  };
}

/** The profile reading at most `pages` pages per request sequence, a normal end of its paging. */
export function capPages(profile: Profile, pages: number): Profile {
  const { pagination } = profile.source;
  if (!pagination || pagination.type === "none") return profile;
  return { ...profile, source: { ...profile.source, pagination: { ...pagination, maxPages: pages } } };
}
