#!/usr/bin/env node
// Demo data source: serves the recorded API responses in profiles/demo/data/ over HTTP so the
// demo profiles have something to collect without internet access. No dependencies.
//
//   GET /data/<file name>  the file as application/json (query strings are ignored)
//   GET /data              the list of files
//   GET /health            {"status":"healthy"}
//
// Environment: DEMO_SOURCE_PORT (default 8099), DEMO_SOURCE_HOST (default 127.0.0.1).
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";

const DATA_DIR = fileURLToPath(new URL("../profiles/demo/data/", import.meta.url));
const HOST = process.env.DEMO_SOURCE_HOST || "127.0.0.1";
const PORT = Number(process.env.DEMO_SOURCE_PORT || 8099);
// Plain file names only: no slashes, no leading dot, so nothing outside DATA_DIR can be read.
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) {
  console.error(`demo-source: DEMO_SOURCE_PORT must be a port number, got "${process.env.DEMO_SOURCE_PORT}"`);
  process.exit(2);
}

async function listFiles() {
  const entries = await readdir(DATA_DIR, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && SAFE_NAME.test(e.name))
    .map((e) => e.name)
    .sort();
}

function json(status, value) {
  return { status, body: Buffer.from(`${JSON.stringify(value)}\n`) };
}

async function route(method, pathname) {
  if (method !== "GET" && method !== "HEAD") {
    return json(405, { error: "method_not_allowed", message: `${method} is not supported; use GET` });
  }
  if (pathname === "/health") {
    return json(200, { status: "healthy", service: "demo-source", files: (await listFiles()).length });
  }
  if (pathname === "/data" || pathname === "/data/") {
    return json(200, { items: (await listFiles()).map((name) => ({ name, url: `/data/${name}` })) });
  }
  if (pathname.startsWith("/data/")) {
    let name;
    try {
      name = decodeURIComponent(pathname.slice("/data/".length));
    } catch {
      name = "";
    }
    if (SAFE_NAME.test(name)) {
      try {
        return { status: 200, body: await readFile(`${DATA_DIR}${name}`) };
      } catch (error) {
        if (error.code !== "ENOENT" && error.code !== "EISDIR") throw error;
      }
    }
    return json(404, { error: "not_found", message: `no demo file named "${name}"; see /data for the list` });
  }
  return json(404, { error: "not_found", message: `no route for ${pathname}; try /data or /health` });
}

const server = createServer(async (req, res) => {
  const started = process.hrtime.bigint();
  const url = new URL(req.url ?? "/", "http://demo-source");
  let result;
  try {
    result = await route(req.method ?? "GET", url.pathname);
  } catch (error) {
    result = json(500, { error: "internal", message: String(error?.message ?? error) });
  }
  res.writeHead(result.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": result.body.length,
    "cache-control": "no-store",
  });
  res.end(req.method === "HEAD" ? undefined : result.body);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(
    `${new Date().toISOString()} ${req.method} ${req.url} ${result.status} ${result.body.length}B ${ms.toFixed(1)}ms`,
  );
});

server.on("error", (error) => {
  console.error(`demo-source: cannot listen on ${HOST}:${PORT}: ${error.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, async () => {
  const address = server.address();
  const files = await listFiles().catch(() => []);
  console.log(
    `demo-source listening on http://${HOST}:${address.port} serving ${files.length} file(s) from ${DATA_DIR}`,
  );
  for (const name of files) console.log(`  http://${HOST}:${address.port}/data/${name}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    console.log(`demo-source: ${signal}, shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
