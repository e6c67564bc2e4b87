/**
 * @module The OpenAPI document as the code declares it, built without NATS or Postgres: the whole
 * app (every route, as `createApp` registers them) is assembled over inert I/O and asked for
 * `/api/v1/openapi.json`, so the document is exactly the one a running gateway serves.
 * `npm run openapi` writes it to `docs/openapi.json`; a test fails when that file is out of date.
 */
import { AppError, createLogger } from "@chartly/platform";
import postgres from "postgres";
import { loadConfig } from "../config.js";
import { createApp } from "../service.js";

/** Where the committed document lives, relative to the repository root. */
export const OPENAPI_FILE = "docs/openapi.json";
export const REGENERATE = "npm run openapi";

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, unknown> };

export async function openApiDocument(): Promise<OpenApiDocument> {
  const config = loadConfig({
    DATABASE_URL: "postgres://127.0.0.1:1/unused",
    AUTH_REQUIRED: "false",
    RATE_LIMIT_ENABLED: "false",
    LOG_LEVEL: "silent",
  });
  // postgres.js connects on the first query, and building the document runs none.
  const sql = postgres(config.DATABASE_URL, { max: 1 });
  const offline = () => {
    throw new AppError("unavailable", "the OpenAPI document is built without services");
  };
  try {
    const app = await createApp(
      config,
      { sql, rpc: { call: offline }, js: offline, logger: createLogger("gateway", "silent") },
      offline,
    );
    const response = await app.request("/api/v1/openapi.json");
    if (response.status !== 200)
      throw new Error(`the app answered ${response.status} for its OpenAPI document`);
    return (await response.json()) as OpenApiDocument;
  } finally {
    await sql.end();
  }
}

/** The document as written to disk: two-space indented, one trailing newline. */
export const serialise = (document: OpenApiDocument): string => `${JSON.stringify(document, null, 2)}\n`;
