/**
 * @module A local HTTP server that plays data sources: fixed routes answering recorded
 * responses (files or inline bodies), counting requests, so no test reaches the internet.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";

export interface Route {
  status?: number;
  headers?: Record<string, string>;
  /** Inline body, or a file to serve. */
  body?: string | object;
  file?: string;
}

export interface HttpSource extends AsyncDisposable {
  url: string;
  port: number;
  /** Requests seen per path. */
  hits: Map<string, number>;
  requests: { method: string; url: string; headers: IncomingMessage["headers"] }[];
  set(path: string, route: Route): void;
  close(): Promise<void>;
}

export async function startHttpSource(routes: Record<string, Route> = {}, port = 0): Promise<HttpSource> {
  const table = new Map(Object.entries(routes));
  const hits = new Map<string, number>();
  const requests: HttpSource["requests"] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    requests.push({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers });
    const route = table.get(url.pathname);
    if (!route) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `no route ${url.pathname}` }));
      return;
    }
    try {
      const body = route.file
        ? await readFile(route.file)
        : typeof route.body === "string"
          ? route.body
          : JSON.stringify(route.body ?? null);
      res.writeHead(route.status ?? 200, { "content-type": "application/json", ...route.headers });
      res.end(body);
    } catch (error) {
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
