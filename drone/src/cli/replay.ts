/**
 * @module Recorded answers for the dry run: `--replay <file or directory>` serves a profile's
 * recorded responses from a local HTTP server, so a profile can be tried without reaching its
 * source. A file answers every request to the profile's source path; a directory holds a
 * `replay.json` index naming, per profile id, which file answers which request. A request nothing
 * was recorded for is answered 404 with what was asked, so the run says what is missing.
 *
 * @example
 * // profiles/government/fixtures/replay.json
 * { "ckan-gdp": [{ "file": "datastore_search-gdp-limit5-page1.json", "query": { "offset": null } }] }
 */
import { readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join } from "node:path";

/** The index file looked for in a `--replay` directory. */
export const REPLAY_INDEX = "replay.json";

/** One recorded answer and the requests it answers. */
export interface ReplayRoute {
  /** Path it answers (decoded); the profile's source path when the index leaves it out. */
  path: string;
  /** `GET` or `POST`; any method when absent. */
  method?: string;
  /** Query parameters the request must carry with these values; `null` means the parameter is absent. */
  query?: Record<string, string | null>;
  /** Absolute path of the recorded body. */
  file: string;
  status: number;
  contentType: string;
}

export type Loaded<T> = { ok: true; value: T } | { ok: false; message: string };

const CONTENT_TYPES: Record<string, string> = {
  ".json": "application/json",
  ".geojson": "application/geo+json",
  ".ndjson": "application/x-ndjson",
  ".csv": "text/csv",
  ".xml": "application/xml",
  ".gz": "application/gzip",
};

/**
 * The routes that replay `profileId`'s answers from `target`: a recorded body (answering the
 * source path) or a directory with a `replay.json` index. `sourcePath` is the path of the
 * profile's `source.url`.
 */
export async function loadReplay(
  target: string,
  profileId: string,
  sourcePath: string,
): Promise<Loaded<ReplayRoute[]>> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(target)).isDirectory();
  } catch (error) {
    return { ok: false, message: `cannot read ${target}: ${(error as Error).message}` };
  }
  if (!isDirectory) {
    return {
      ok: true,
      value: [
        { path: safeDecode(sourcePath), file: target, status: 200, contentType: contentTypeOf(target) },
      ],
    };
  }
  const indexFile = join(target, REPLAY_INDEX);
  let index: unknown;
  try {
    index = JSON.parse(await readFile(indexFile, "utf8"));
  } catch (error) {
    return { ok: false, message: `cannot read the replay index ${indexFile}: ${(error as Error).message}` };
  }
  if (!isObject(index))
    return { ok: false, message: `${indexFile}: expected an object of profile id → list of routes` };
  const entries = index[profileId];
  if (entries === undefined) {
    const known = Object.keys(index).filter((key) => !key.startsWith("$"));
    return {
      ok: false,
      message: `${indexFile} has no recorded responses for profile ${profileId} (it has: ${known.join(", ") || "none"})`,
    };
  }
  if (!Array.isArray(entries) || entries.length === 0)
    return { ok: false, message: `${indexFile}: ${profileId}: expected a non-empty list of routes` };
  const routes: ReplayRoute[] = [];
  for (const [at, entry] of entries.entries()) {
    const route = parseRoute(entry, target, sourcePath);
    if (typeof route === "string")
      return { ok: false, message: `${indexFile}: ${profileId}[${at}]: ${route}` };
    routes.push(route);
  }
  return { ok: true, value: routes };
}

function parseRoute(entry: unknown, dir: string, sourcePath: string): ReplayRoute | string {
  if (!isObject(entry))
    return "expected an object with file, and optionally path, method, query, status, contentType";
  const allowed = new Set(["file", "path", "method", "query", "status", "contentType"]);
  const unknown = Object.keys(entry).find((key) => !allowed.has(key));
  if (unknown) return `unknown field "${unknown}": expected file, path, method, query, status or contentType`;
  const { file, path, method, query, status, contentType } = entry;
  if (typeof file !== "string" || file === "")
    return "file: expected the name of a recorded body, relative to the index";
  if (path !== undefined && (typeof path !== "string" || !path.startsWith("/")))
    return "path: expected a path starting with /";
  if (method !== undefined && method !== "GET" && method !== "POST")
    return 'method: expected "GET" or "POST"';
  if (query !== undefined) {
    if (!isObject(query)) return "query: expected an object of parameter → value (null: absent)";
    const bad = Object.entries(query).find(([, value]) => value !== null && typeof value !== "string");
    if (bad) return `query.${bad[0]}: expected a string, or null for a parameter that must be absent`;
  }
  if (
    status !== undefined &&
    (!Number.isInteger(status) || (status as number) < 100 || (status as number) > 599)
  )
    return "status: expected an HTTP status code";
  if (contentType !== undefined && typeof contentType !== "string")
    return "contentType: expected a media type";
  return {
    path: safeDecode((path as string | undefined) ?? sourcePath),
    ...(method ? { method: method as string } : {}),
    ...(query ? { query: query as Record<string, string | null> } : {}),
    file: join(dir, file),
    status: (status as number | undefined) ?? 200,
    contentType: (contentType as string | undefined) ?? contentTypeOf(file),
  };
}

export interface ReplayServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Requests no route answered, as `METHOD /path?query`. */
  unmatched: string[];
  close(): Promise<void>;
}

/** Serves the routes on a free loopback port; the first route that matches a request answers it. */
export async function startReplayServer(routes: ReplayRoute[]): Promise<ReplayServer> {
  const unmatched: string[] = [];
  const server = createServer(async (req, res) => {
    for await (const _ of req); // the body is not compared; drain it so the connection is reusable
    const url = new URL(req.url ?? "/", "http://replay");
    const method = req.method ?? "GET";
    const route = routes.find((candidate) => matches(candidate, method, url));
    if (!route) {
      const asked = `${method} ${url.pathname}${url.search}`;
      unmatched.push(asked);
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `no recorded response for ${asked}` }));
      return;
    }
    try {
      const body = await readFile(route.file);
      res.writeHead(route.status, { "content-type": route.contentType });
      res.end(body);
    } catch (error) {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`cannot read the recorded response ${route.file}: ${(error as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : 0;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { origin: `http://127.0.0.1:${port}`, unmatched, close, [Symbol.asyncDispose]: close };
}

function matches(route: ReplayRoute, method: string, url: URL): boolean {
  if (route.method && route.method !== method) return false;
  if (safeDecode(url.pathname) !== route.path) return false;
  for (const [name, value] of Object.entries(route.query ?? {})) {
    if (url.searchParams.get(name) !== value) return false;
  }
  return true;
}

function safeDecode(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

function contentTypeOf(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
