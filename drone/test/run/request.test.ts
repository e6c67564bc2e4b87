// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/runner.js";
import { envSecrets } from "../../src/source/secrets.js";
import { collector, hours, jobFor, secretsOf } from "../helpers.js";

describe("building requests", () => {
  let source: HttpSource;
  let secretsDir: string;

  beforeAll(async () => {
    source = await startHttpSource({
      "/data": { body: hours(0, 2) },
      "/series/A%20B/obs": { body: hours(0, 1) },
      "/echo-error": { status: 403, body: "forbidden" },
    });
    secretsDir = await mkdtemp(join(tmpdir(), "chartly-secrets-"));
    await writeFile(join(secretsDir, "FILE_KEY"), "from-a-file\n");
  });
  afterAll(async () => {
    await source.close();
    await rm(secretsDir, { recursive: true, force: true });
  });

  const last = () => source.requests.at(-1);

  it("sends the method, query, headers and a JSON body with variables filled in", async () => {
    const { deps, records } = collector({ secrets: secretsOf({ TOKEN: "tok-123" }), cursor: "2025-06-01" });
    const job = jobFor({
      url: `${source.url}/data`,
      method: "POST",
      query: { since: "${cursor}", n: 5 },
      headers: { "X-Token": "${secret:TOKEN}", "X-Plain": "yes" },
      body: {
        json: { seriesid: ["CUUR0000SA0"], startyear: 2024, since: "${cursor}", key: "${secret:TOKEN}" },
      },
    });
    const outcome = await runJob(job, 1, deps);
    expect(outcome.status).toBe("succeeded");
    expect(records()).toHaveLength(2);
    const request = last();
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/data?since=2025-06-01&n=5");
    expect(request?.headers).toMatchObject({
      "x-token": "tok-123",
      "x-plain": "yes",
      "content-type": "application/json",
      accept: "application/json",
    });
    expect(JSON.parse(request?.body ?? "")).toEqual({
      seriesid: ["CUUR0000SA0"],
      startyear: 2024,
      since: "2025-06-01",
      key: "tok-123",
    });
  });

  it("sends a form body", async () => {
    const { deps } = collector();
    const job = jobFor({ url: `${source.url}/data`, method: "POST", body: { form: { q: "a b", n: 2 } } });
    await runJob(job, 1, deps);
    expect(last()?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(last()?.body).toBe("q=a+b&n=2");
  });

  it("uses a cursor's fallback when the drone has no cursor", async () => {
    const { deps } = collector();
    await runJob(jobFor({ url: `${source.url}/data`, query: { since: "${cursor:-2000-01-01}" } }), 1, deps);
    expect(last()?.url).toBe("/data?since=2000-01-01");
  });

  it("fails naming the field when a variable has no value", async () => {
    const { deps } = collector();
    const outcome = await runJob(
      jobFor({ url: `${source.url}/data`, query: { since: "${cursor}" } }),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "failed", error: { code: "template_unset" } });
    expect(outcome.error?.message).toMatch(/^source\.query\.since: \$\{cursor\} has no value/);
  });

  it("percent-encodes a fan-out value in the URL path", async () => {
    const { deps } = collector();
    const job = jobFor({ url: `${source.url}/series/\${id}/obs`, fanOut: { as: "id", values: ["A B"] } });
    expect((await runJob(job, 1, deps)).status).toBe("succeeded");
    expect(last()?.url).toBe("/series/A%20B/obs");
  });

  it("reads secrets from CHARTLY_SECRET_<NAME>, then from the secrets directory", async () => {
    const secrets = envSecrets({ CHARTLY_SECRET_ENV_KEY: "from-env" }, secretsDir);
    const { deps } = collector({ secrets });
    const job = jobFor({
      url: `${source.url}/data`,
      query: { a: "${secret:ENV_KEY}", b: "${secret:FILE_KEY}" },
    });
    expect((await runJob(job, 1, deps)).status).toBe("succeeded");
    expect(last()?.url).toBe("/data?a=from-env&b=from-a-file");
  });

  it("fails before any request when a secret is not set, saying where it is looked for", async () => {
    const before = source.requests.length;
    const { deps } = collector({ secrets: envSecrets({}, secretsDir) });
    const outcome = await runJob(
      jobFor({ url: `${source.url}/data`, query: { k: "${secret:MISSING}" } }),
      1,
      deps,
    );
    expect(outcome).toMatchObject({ status: "failed", error: { code: "secret_missing" } });
    expect(outcome.error?.message).toBe(
      `secret MISSING is not set on this drone: set CHARTLY_SECRET_MISSING or write the file ${join(secretsDir, "MISSING")}`,
    );
    expect(source.requests.length).toBe(before);
  });

  it("never shows a secret in errors, even one placed in the URL path", async () => {
    const { deps } = collector({ secrets: secretsOf({ PATH_KEY: "echo-error" }) });
    const outcome = await runJob(jobFor({ url: `${source.url}/\${secret:PATH_KEY}` }), 1, deps);
    expect(outcome).toMatchObject({ status: "failed", error: { code: "source_http_error" } });
    expect(outcome.error?.message).toBe(`GET ${source.url}/*** answered HTTP 403 Forbidden: forbidden`);
    expect(JSON.stringify(outcome)).not.toContain("echo-error");
  });
});
