// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
/**
 * The dry run pointed away from a profile's real source: `--replay` answers from recorded
 * responses (the government fixtures and their replay.json index), `--base-url` sends the
 * requests to another origin. The CLI runs as a child process, as a user runs it.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Profile } from "@chartly/contracts";
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadReplay, startReplayServer } from "../src/cli/replay.js";
import { capPages, parseBaseUrl, retarget } from "../src/cli/retarget.js";
import { hours, jobFor } from "./helpers.js";

const execute = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURES = "profiles/government/fixtures";
const SLOW = 60_000;

interface Finished {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run test:profile -- <args>` as the script does, from the repository root. */
async function dryRun(args: string[], env: Record<string, string> = {}): Promise<Finished> {
  try {
    const { stdout, stderr } = await execute(
      process.execPath,
      ["--conditions=@chartly/source", "--import", "tsx", "drone/src/cli/test.ts", ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("the dry run replaying recorded responses", () => {
  it(
    "prints the records a government profile makes from its recorded answer and exits 0",
    async () => {
      const run = await dryRun([
        "profiles/government/usgs-earthquakes.yaml",
        "--replay",
        FIXTURES,
        "--records",
        "2",
      ]);
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(
        `replaying ${join(FIXTURES, "fdsnws-query-2017-01-01_to_01-11-maxmag0.1.geojson.json")} for any /fdsnws/event/1/query`,
      );
      expect(run.stdout).toMatch(
        /→ GET http:\/\/127\.0\.0\.1:\d+\/fdsnws\/event\/1\/query\?format=geojson&starttime=2017-01-01T00%3A00%3A00\.000Z.*&offset=1&limit=20000 {2}HTTP 200/,
      );
      expect(run.stdout).toContain("status     succeeded");
      expect(run.stdout).toContain("records    109 read, 109 normalised");
      expect(run.stdout).toContain("cursor     2017-01-10T22:21:12.398Z (would be stored for the next run)");
      expect(run.stdout).toContain(
        'first 2 of 109 records:\n{"key":"nn00582174","time":"2017-01-01T01:01:16.250Z","dims":{"network":"nn","type":"earthquake"},"measures":{"magnitude":-0.2,"depth_km":8.4}}',
      );
    },
    SLOW,
  );

  it(
    "sends a POST profile's secret in its body and masks it in what it prints",
    async () => {
      const run = await dryRun(["profiles/government/bls-flour-price.yaml", "--replay", FIXTURES], {
        CHARTLY_SECRET_BLS_API_KEY: "bls-registration-key-0042",
      });
      expect(run.code).toBe(0);
      expect(run.stdout).not.toContain("bls-registration-key-0042");
      expect(run.stdout).toContain("→ POST http://127.0.0.1:");
      expect(run.stdout).toContain("records    12 read, 12 normalised");
      expect(run.stdout).toContain('"time":"2022-12-01T00:00:00.000Z","dims":{},"measures":{"price":0.522}}');
    },
    SLOW,
  );

  it(
    "fails, naming the request nothing was recorded for, and reads the recorded page alone with --max-pages",
    async () => {
      const all = await dryRun(["profiles/government/ckan-gdp.yaml", "--replay", FIXTURES]);
      expect(all.code).toBe(1);
      expect(all.stdout).toContain("status     failed: source_http_error");
      expect(all.stdout).toContain(
        "not recorded (answered 404):\n  GET /api/3/action/datastore_search?offset=5&limit=5&resource_id=gdp",
      );

      const first = await dryRun([
        "profiles/government/ckan-gdp.yaml",
        "--replay",
        FIXTURES,
        "--max-pages",
        "1",
      ]);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain("records    5 read, 5 normalised");
      expect(first.stdout).toContain("paging     pagination.maxPages: 1");
      expect(first.stdout).not.toContain("not recorded");
    },
    SLOW,
  );

  it(
    "refuses a profile the replay index has no answers for, naming the ones it has",
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "chartly-replay-"));
      try {
        await writeFile(join(dir, "replay.json"), JSON.stringify({ other: [{ file: "x.json" }] }));
        const run = await dryRun(["profiles/government/usgs-earthquakes.yaml", "--replay", dir]);
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(
          `${join(dir, "replay.json")} has no recorded responses for profile usgs-earthquakes (it has: other)`,
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    SLOW,
  );
});

describe("the dry run sent to another origin", () => {
  let source: HttpSource;
  let dir: string;

  beforeAll(async () => {
    source = await startHttpSource({
      "/v1/data": { body: hours(0, 3) },
      "/v1/broken": { status: 503, body: "maintenance" },
    });
    dir = await mkdtemp(join(tmpdir(), "chartly-base-url-"));
  });
  afterAll(async () => {
    await source.close();
    await rm(dir, { recursive: true, force: true });
  });

  const profile = (path: string) => `id: elsewhere
name: Elsewhere
schedule: { every: 1h }
source:
  url: https://api.example.org${path}
  query: { region: eu }
  retry: { attempts: 2, initialDelay: 10ms }
records:
  path: "$.data[*]"
  time: { field: t }
  measures: { v: v }
`;

  it(
    "makes the profile's requests, path and query unchanged, to the given origin",
    async () => {
      const file = join(dir, "data.yaml");
      await writeFile(file, profile("/data"));
      const run = await dryRun([file, "--base-url", `${source.url}/v1/`]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`→ GET ${source.url}/v1/data?region=eu  HTTP 200`);
      expect(run.stdout).toContain("records    3 read, 3 normalised");
      expect(source.requests.some((request) => request.url === "/v1/data?region=eu")).toBe(true);
    },
    SLOW,
  );

  it(
    "exits 1 when the source keeps failing",
    async () => {
      const file = join(dir, "broken.yaml");
      await writeFile(file, profile("/broken"));
      const run = await dryRun([file, "--base-url", `${source.url}/v1`]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("(attempt 2)");
      expect(run.stdout).toContain("status     failed: source_http_error");
    },
    SLOW,
  );

  it(
    "says what is wrong with its arguments",
    async () => {
      const file = join(dir, "data.yaml");
      await writeFile(file, profile("/data"));
      const both = await dryRun([file, "--replay", FIXTURES, "--base-url", source.url]);
      expect(both).toMatchObject({ code: 1 });
      expect(both.stderr).toContain("--replay and --base-url exclude each other");
      const scheme = await dryRun([file, "--base-url", "ftp://files.example.org"]);
      expect(scheme).toMatchObject({ code: 1 });
      expect(scheme.stderr).toContain('--base-url: expected an http or https URL, got "ftp:"');
      const pages = await dryRun([file, "--max-pages", "0"]);
      expect(pages).toMatchObject({ code: 1 });
      expect(pages.stderr).toContain('--max-pages: expected a whole number of 1 or more, got "0"');
    },
    SLOW,
  );
});

describe("retargeting a profile", () => {
  const base = new URL("http://127.0.0.1:8099/mirror/");

  it("moves the source and a fan-out parent on the same origin, keeping paths and references", () => {
    const { spec } = jobFor({
      url: "https://api.example.org/series/${value}/obs",
      fanOut: { from: { url: "https://API.example.org/series", path: "$.ids[*]" } },
    });
    const moved = retarget(spec, base);
    expect(moved.source.url).toBe("http://127.0.0.1:8099/mirror/series/${value}/obs");
    expect(moved.source.fanOut?.from?.url).toBe("http://127.0.0.1:8099/mirror/series");
  });

  it("leaves a fan-out parent on another origin where it is", () => {
    const { spec } = jobFor({
      url: "https://api.example.org/obs",
      fanOut: { from: { url: "https://catalog.example.org/list", path: "$[*]" } },
    });
    expect(retarget(spec, base).source.fanOut?.from?.url).toBe("https://catalog.example.org/list");
  });

  it("caps the pages of a paged source and leaves a single request alone", () => {
    const paged: Profile = jobFor({ url: "https://x.org/a", pagination: { type: "page" } }).spec;
    expect(capPages(paged, 2).source.pagination).toMatchObject({ type: "page", maxPages: 2 });
    const single = jobFor({ url: "https://x.org/a" }).spec;
    expect(capPages(single, 2)).toBe(single);
  });

  it("accepts only an absolute http(s) base URL without query", () => {
    expect(parseBaseUrl("not a url")).toBe(
      '--base-url: expected an absolute http(s) URL such as http://127.0.0.1:8099, got "not a url"',
    );
    expect(parseBaseUrl("http://h:1/p?x=1")).toBe(
      "--base-url: expected no query or fragment, only scheme, host, port and path",
    );
    expect(parseBaseUrl("https://h:1/p")).toBeInstanceOf(URL);
  });
});

describe("the replay index", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "chartly-replay-index-"));
    await writeFile(join(dir, "page.csv"), "t,v\n2026-01-01T00:00:00Z,1\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const index = async (entries: unknown) => {
    await writeFile(join(dir, "replay.json"), JSON.stringify({ p: entries }));
    return loadReplay(dir, "p", "/source/path");
  };

  it("names the profile, the route and the field of a bad entry", async () => {
    expect(await index([{ file: "page.csv", query: { page: 2 } }])).toEqual({
      ok: false,
      message: `${join(dir, "replay.json")}: p[0]: query.page: expected a string, or null for a parameter that must be absent`,
    });
    expect(await index([{ file: "page.csv", methd: "GET" }])).toMatchObject({
      message: expect.stringContaining('p[0]: unknown field "methd"'),
    });
    expect(await index([])).toMatchObject({
      message: expect.stringContaining("p: expected a non-empty list"),
    });
  });

  it("answers a request by path, method and query, and 404 with what was asked otherwise", async () => {
    const routes = await index([{ file: "page.csv", method: "GET", query: { page: "1", cursor: null } }]);
    if (!routes.ok) throw new Error(routes.message);
    expect(routes.value[0]).toMatchObject({ path: "/source/path", contentType: "text/csv", status: 200 });
    await using server = await startReplayServer(routes.value);
    const hit = await fetch(`${server.origin}/source/path?page=1`);
    expect([hit.status, hit.headers.get("content-type"), await hit.text()]).toEqual([
      200,
      "text/csv",
      "t,v\n2026-01-01T00:00:00Z,1\n",
    ]);
    for (const miss of ["/source/path?page=2", "/source/path?page=1&cursor=x", "/other?page=1"]) {
      const answer = await fetch(`${server.origin}${miss}`);
      expect(answer.status).toBe(404);
      expect(await answer.json()).toEqual({ error: `no recorded response for GET ${miss}` });
    }
    expect((await fetch(`${server.origin}/source/path?page=1`, { method: "POST" })).status).toBe(404);
    expect(server.unmatched).toEqual([
      "GET /source/path?page=2",
      "GET /source/path?page=1&cursor=x",
      "GET /other?page=1",
      "POST /source/path?page=1",
    ]);
  });

  it("of the government profiles names a recorded file that exists for every profile", async () => {
    const profiles = (await readdir(join(ROOT, "profiles/government"))).filter((name) =>
      name.endsWith(".yaml"),
    );
    for (const name of profiles) {
      const routes = await loadReplay(join(ROOT, FIXTURES), name.replace(/\.yaml$/, ""), "/");
      if (!routes.ok) throw new Error(routes.message);
      for (const route of routes.value) await expect(stat(route.file), route.file).resolves.toBeTruthy();
    }
  });

  it("serves a single recorded file at the profile's source path", async () => {
    const routes = await loadReplay(join(dir, "page.csv"), "p", "/source/path");
    expect(routes).toEqual({
      ok: true,
      value: [{ path: "/source/path", file: join(dir, "page.csv"), status: 200, contentType: "text/csv" }],
    });
  });
});
