/**
 * @module A local HTTP server that plays data sources: fixed routes answering recorded
 * responses (files or inline bodies), counting requests, so no test reaches the internet. A route
 * can also compute its answer from the request (pages by query parameter, a 500 before a 200, a
 * 429 with Retry-After) and answer late, to play a slow server.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";

export interface Route {
  status?: number;
  headers?: Record<string, string>;
  /** Inline body (a string, bytes, or a value sent as JSON), or a file to serve. */
  body?: string | Uint8Array | object;
  file?: string;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
  /** Computes the answer for each request; `hit` counts this path's requests from 1. */
  respond?: (request: SeenRequest) => Route | Promise<Route>;
}

export interface SeenRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingMessage["headers"];
  /** The request body as text ("" when there was none). */
  body: string;
  /** The URL parsed, for reading query parameters. */
  parsed: URL;
  hit: number;
}

export interface HttpSource extends AsyncDisposable {
  url: string;
  port: number;
  /** Requests seen per path. */
  hits: Map<string, number>;
  requests: SeenRequest[];
  set(path: string, route: Route): void;
  close(): Promise<void>;
}

export async function startHttpSource(routes: Record<string, Route> = {}, port = 0): Promise<HttpSource> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const requests: HttpSource["requests"] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const hit = (hits.get(url.pathname) ?? 0) + 1;
    hits.set(url.pathname, hit);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const seen: SeenRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      parsed: url,
      hit,
    };
    requests.push(seen);
    let route = table.get(url.pathname);
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `no route ${url.pathname}` }));
      return;
    }
    try {
      if (route.respond) route = await route.respond(seen);
      if (route.delayMs) await new Promise((resolve) => setTimeout(resolve, route?.delayMs));
      const body = route.file
        ? await readFile(route.file)
        : typeof route.body === "string" || route.body instanceof Uint8Array
          ? route.body
          : JSON.stringify(route.body ?? null);
      res.writeHead(route.status ?? 200, { "content-type": "application/json", ...route.headers });
      res.end(body);
    } catch (error) {
      if (res.headersSent) return;
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  const actualPort = address && typeof address === "object" ? address.port : port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    hits,
    requests,
    set: (path, route) => table.set(path, route),
    close,
    [Symbol.asyncDispose]: close,
  };
}
