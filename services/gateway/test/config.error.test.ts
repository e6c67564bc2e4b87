import { writeFile } from "node:fs/promises";
import { ConfigError } from "@chartly/platform";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authRequired, loadConfig } from "../src/config.js";
import { startWorld, type World } from "./harness.js";

const DB = { DATABASE_URL: "postgres://localhost/chartly" };

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe("the gateway's configuration", () => {
  it("refuses to start when auth is required and no credential source is set", () => {
    expect(problemsOf(DB)).toEqual([
      expect.stringMatching(/^AUTH_REQUIRED: authentication is required but no credential source/),
    ]);
    expect(problemsOf({ ...DB, NODE_ENV: "development", AUTH_REQUIRED: "true" })).toHaveLength(1);
  });

  it("lists every problem at once", () => {
    expect(problemsOf({ AUTH_JWT_JWKS_URL: "not a url" })).toEqual([
      "DATABASE_URL: is required",
      "AUTH_JWT_JWKS_URL: Invalid URL",
      "AUTH_JWT_ISSUER: is required when JWTs are accepted",
      "AUTH_JWT_AUDIENCE: is required when JWTs are accepted",
    ]);
  });

  it("requires auth by default, except in development", () => {
    expect(authRequired(loadConfig({ ...DB, AUTH_API_KEYS_FILE: "/keys.json" }))).toBe(true);
    expect(authRequired(loadConfig({ ...DB, NODE_ENV: "development" }))).toBe(false);
    expect(authRequired(loadConfig({ ...DB, AUTH_REQUIRED: "false" }))).toBe(false);
  });

  it("requires an issuer and an audience when JWTs are accepted", () => {
    expect(problemsOf({ ...DB, AUTH_JWT_HS256_SECRET: "s".repeat(32) })).toEqual([
      "AUTH_JWT_ISSUER: is required when JWTs are accepted",
      "AUTH_JWT_AUDIENCE: is required when JWTs are accepted",
    ]);
  });

  it("refuses a short HS256 secret without repeating it", () => {
    const problems = problemsOf({
      ...DB,
      AUTH_JWT_HS256_SECRET: "tiny-secret",
      AUTH_JWT_ISSUER: "i",
      AUTH_JWT_AUDIENCE: "a",
    });
    expect(problems).toEqual(["AUTH_JWT_HS256_SECRET: must be at least 32 characters"]);
    expect(problems.join()).not.toContain("tiny-secret");
  });

  it("needs DATABASE_URL for keys and the audit log", () => {
    expect(problemsOf({ NODE_ENV: "development" })).toEqual(["DATABASE_URL: is required"]);
  });

  it("reads sizes and lists", () => {
    const config = loadConfig({
      ...DB,
      NODE_ENV: "development",
      MAX_REQUEST_SIZE: "2mb",
      CORS_ALLOWED_ORIGINS: "https://a.example, https://b.example",
    });
    expect(config.MAX_REQUEST_SIZE).toBe(2 * 1024 * 1024);
    expect(config.CORS_ALLOWED_ORIGINS).toEqual(["https://a.example", "https://b.example"]);
  });
});

describe("the keys file at start-up", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ standIns: false });
  });
  afterAll(() => world.close());

  it("stops the gateway when the file is invalid, naming the field but not the key", async () => {
    await writeFile(
      world.keysFile,
      JSON.stringify({
        keys: [{ id: "x", key: "secret-key-value-0123456789abc", tenants: ["acme"], roles: ["root"] }],
      }),
    );
    const failure = await world.app().then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/keys\.json: keys\.0\.roles\.0: Invalid option/);
    expect(failure).not.toContain("secret-key-value");
  });

  it("stops the gateway when a key's tenant is not a valid tenant id", async () => {
    await writeFile(
      world.keysFile,
      JSON.stringify({
        keys: [{ id: "x", key: "secret-key-value-0123456789abc", tenants: ["acme.eu"], roles: ["reader"] }],
      }),
    );
    const failure = await world.app().then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/keys\.json: keys\.0\.tenants\.0: must be 1-64 letters, digits, _ or -/);
  });

  it("stops the gateway when the file is missing, naming the variable", async () => {
    const failure = await world.app({ AUTH_API_KEYS_FILE: `${world.keysFile}.missing` }).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/^AUTH_API_KEYS_FILE: cannot read .*keys\.json\.missing \(ENOENT\)$/);
  });

  it("stops the gateway when the file is not JSON, without quoting it", async () => {
    await writeFile(world.keysFile, '{"keys": [{"key": "secret-key-value-0123456789abc"');
    const failure = await world.app().then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/keys\.json: is not valid JSON$/);
  });
});
