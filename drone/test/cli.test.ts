// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProfile } from "../src/cli/load-profile.js";
import { hours } from "./helpers.js";

const run = promisify(execFile);
const DRONE = fileURLToPath(new URL("..", import.meta.url));
const DEMO = fileURLToPath(new URL("../../profiles/demo", import.meta.url));

describe("loading profile files", () => {
  it("accepts every demo profile as it is", async () => {
    const files = (await readdir(DEMO)).filter((name) => name.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) {
      const loaded = loadProfile(name, await readFile(join(DEMO, name), "utf8"));
      expect(loaded.ok ? [] : loaded.problems, name).toEqual([]);
    }
  });

  it("reports problems with the file, line and column", () => {
    const loaded = loadProfile(
      "p.yaml",
      'id: p\nname: p\nschedule: { every: 1h }\nsource:\n  url: https://x.org\n  query: { k: "${nope}" }\nrecords: { time: { field: t }, measures: { v: v } }\n',
    );
    expect(loaded).toEqual({
      ok: false,
      problems: [
        "p.yaml:6:15: source.query.k: unknown variable ${nope}: expected one of ${cursor}, ${secret:NAME}",
      ],
    });
  });
});

describe("the dry run", () => {
  /** The test source listens on 127.0.0.1, which the dry run reaches only when allowed. */
  const env = { ...process.env, DRONE_ALLOW_NETWORKS: "127.0.0.1" };
  let source: HttpSource;
  let dir: string;

  beforeAll(async () => {
    source = await startHttpSource({
      "/data": {
        respond: ({ parsed }) => ({
          body: parsed.searchParams.get("page") === "1" ? hours(0, 3) : { data: [] },
        }),
      },
    });
    dir = await mkdtemp(join(tmpdir(), "chartly-dry-run-"));
  });
  afterAll(async () => {
    await source.close();
    await rm(dir, { recursive: true, force: true });
  });

  const profile = (url: string) => `id: dry
name: Dry run
schedule: { every: 1h }
source:
  url: ${url}
  query: { key: "\${secret:DRY_KEY}" }
  pagination: { type: page }
records:
  path: "$.data[*]"
  time: { field: t }
  measures: { v: v }
`;

  it("prints each request with its secrets masked, the outcome and the first records", async () => {
    const file = join(dir, "dry.yaml");
    await writeFile(file, profile(`${source.url}/data`));
    const { stdout } = await run(
      process.execPath,
      ["--conditions=@chartly/source", "--import", "tsx", "src/cli/test.ts", file, "--records", "2"],
      { cwd: DRONE, env: { ...env, CHARTLY_SECRET_DRY_KEY: "very-secret-key" } },
    );
    expect(stdout).not.toContain("very-secret-key");
    expect(stdout).toContain(`→ GET ${source.url}/data?key=***&page=1  HTTP 200`);
    expect(stdout).toContain(`→ GET ${source.url}/data?key=***&page=2  HTTP 200`);
    expect(stdout).toContain("status     succeeded");
    expect(stdout).toContain("records    3 read, 3 normalised");
    expect(stdout).toContain("paging     empty page: 1");
    expect(stdout).toContain('first 2 of 3 records:\n{"key":"2026-01-01T00:00:00.000Z"');
  });

  it("exits non-zero when the run fails", async () => {
    const file = join(dir, "failing.yaml");
    await writeFile(file, profile(`${source.url}/missing`));
    const failed = await run(
      process.execPath,
      ["--conditions=@chartly/source", "--import", "tsx", "src/cli/test.ts", file],
      { cwd: DRONE, env: { ...env, CHARTLY_SECRET_DRY_KEY: "k" } },
    ).catch((error: { code: number; stdout: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stdout: string }).stdout).toContain("status     failed: source_http_error");
  });

  it("reaches a local source only when DRONE_ALLOW_NETWORKS lists it, as a drone does", async () => {
    const file = join(dir, "local.yaml");
    await writeFile(file, profile(`${source.url}/data`));
    const before = source.requests.length;
    const refused = await run(
      process.execPath,
      ["--conditions=@chartly/source", "--import", "tsx", "src/cli/test.ts", file],
      { cwd: DRONE, env: { ...process.env, DRONE_ALLOW_NETWORKS: "", CHARTLY_SECRET_DRY_KEY: "dry-key-1" } },
    ).catch((error: { code: number; stdout: string }) => error);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stdout: string }).stdout).toContain(
      "status     failed: source_forbidden: GET http://127.0.0.1:",
    );
    expect((refused as { stdout: string }).stdout).toContain(
      "127.0.0.1 is a loopback address; the drone reaches only public addresses unless DRONE_ALLOW_NETWORKS lists it",
    );
    expect(source.requests.length).toBe(before);

    const unreadable = await run(
      process.execPath,
      ["--conditions=@chartly/source", "--import", "tsx", "src/cli/test.ts", file],
      { cwd: DRONE, env: { ...process.env, DRONE_ALLOW_NETWORKS: "127.0.0.1/40" } },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(unreadable).toMatchObject({
      code: 1,
      stderr: 'DRONE_ALLOW_NETWORKS: "127.0.0.1/40": a CIDR prefix must be a number from 0 to 32\n',
    });
  });
});

describe("the profile reference", () => {
  it("shows only complete examples that are valid profiles", async () => {
    const docs = await readFile(fileURLToPath(new URL("../../docs/profiles.md", import.meta.url)), "utf8");
    const examples = [...docs.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? "")
      .filter((text) => /^id: /m.test(text));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const example of examples) {
      const loaded = loadProfile("docs/profiles.md", example);
      expect(loaded.ok ? [] : loaded.problems, example.split("\n")[0]).toEqual([]);
    }
  });
});
