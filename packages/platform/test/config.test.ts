import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, envBoolean, loadConfig } from "../src/index.js";

const schema = z.object({
  DATABASE_URL: z.string().min(1),
  HTTP_PORT: z.coerce.number().int().min(1),
  API_SECRET: z.string().min(8),
  WATCH: envBoolean(true),
});

describe("loadConfig", () => {
  it("lists every missing or bad variable at once", () => {
    let error: unknown;
    try {
      loadConfig(schema, { HTTP_PORT: "eighty", WATCH: "maybe" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    expect(problems).toContain("DATABASE_URL: is required");
    expect(problems).toContain("API_SECRET: is required");
    expect(problems).toMatch(/HTTP_PORT: .*number/);
    expect(problems).toContain("WATCH: must be true or false");
  });

  it("reads a variable from the file named by <NAME>_FILE", async () => {
    const dir = await mkdtemp(join(tmpdir(), "config-"));
    await writeFile(join(dir, "secret"), "s3cr3t-value\n");
    const config = loadConfig(schema, {
      DATABASE_URL: "postgres://x",
      HTTP_PORT: "8080",
      API_SECRET_FILE: join(dir, "secret"),
    });
    expect(config).toEqual({
      DATABASE_URL: "postgres://x",
      HTTP_PORT: 8080,
      API_SECRET: "s3cr3t-value",
      WATCH: true,
    });
  });

  it("refuses both <NAME> and <NAME>_FILE, and an unreadable file", () => {
    expect(() =>
      loadConfig(schema, {
        DATABASE_URL: "x",
        HTTP_PORT: "1",
        API_SECRET: "12345678",
        API_SECRET_FILE: "/x",
      }),
    ).toThrow(/API_SECRET: set both API_SECRET and API_SECRET_FILE/);
    expect(() =>
      loadConfig(schema, { DATABASE_URL: "x", HTTP_PORT: "1", API_SECRET_FILE: "/does/not/exist" }),
    ).toThrow(/API_SECRET_FILE: cannot read \/does\/not\/exist/);
  });
});
