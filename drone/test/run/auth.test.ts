// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { type HttpSource, type SeenRequest, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/runner.js";
import { TokenCache } from "../../src/source/oauth2.js";
import { collector, hours, jobFor, secretsOf } from "../helpers.js";

describe("authentication", () => {
  let source: HttpSource;
  /** Tokens the API accepts; the token endpoint issues `tok-1`, `tok-2`, ... */
  let valid = new Set<string>();
  let issued = 0;
  let tokenStatus = 200;

  const api = (request: SeenRequest) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
    return token && valid.has(token)
      ? { body: hours(0, 1) }
      : { status: 401, body: { error: "invalid_token" }, headers: { "www-authenticate": "Bearer" } };
  };

  beforeAll(async () => {
    source = await startHttpSource({
      "/data": { body: hours(0, 1) },
      "/api": { respond: api },
      "/token": {
        respond: () => {
          if (tokenStatus !== 200) return { status: tokenStatus, body: { error: "invalid_client" } };
          issued++;
          valid.add(`tok-${issued}`);
          return { body: { access_token: `tok-${issued}`, token_type: "Bearer", expires_in: 3600 } };
        },
      },
    });
  });
  afterAll(() => source.close());

  const last = () => source.requests.at(-1);
  const secrets = secretsOf({ KEY: "k-123", USER: "ann", PASS: "p:ss word", CLIENT_SECRET: "shh-secret" });
  const oauth = {
    type: "oauth2ClientCredentials" as const,
    tokenUrl: "", // set per test
    clientId: "client-1",
    clientSecret: "${secret:CLIENT_SECRET}",
    scope: "read",
  };

  it("sends an API key in a header or in the query", async () => {
    const { deps } = collector({ secrets });
    await runJob(
      jobFor({
        url: `${source.url}/data`,
        auth: { type: "apiKey", name: "X-Api-Key", value: "${secret:KEY}" },
      }),
      1,
      deps,
    );
    expect(last()?.headers["x-api-key"]).toBe("k-123");
    await runJob(
      jobFor({
        url: `${source.url}/data`,
        query: { file_type: "json" },
        auth: { type: "apiKey", in: "query", name: "api_key", value: "${secret:KEY}" },
      }),
      1,
      deps,
    );
    expect(last()?.url).toBe("/data?file_type=json&api_key=k-123");
  });

  it("sends a bearer token and HTTP Basic credentials", async () => {
    const { deps } = collector({ secrets });
    await runJob(
      jobFor({ url: `${source.url}/data`, auth: { type: "bearer", token: "${secret:KEY}" } }),
      1,
      deps,
    );
    expect(last()?.headers.authorization).toBe("Bearer k-123");
    await runJob(
      jobFor({
        url: `${source.url}/data`,
        auth: { type: "basic", username: "${secret:USER}", password: "${secret:PASS}" },
      }),
      1,
      deps,
    );
    expect(last()?.headers.authorization).toBe(`Basic ${Buffer.from("ann:p:ss word").toString("base64")}`);
  });

  it("fetches an OAuth2 token with client credentials and reuses it until it expires", async () => {
    valid = new Set();
    const tokens = new TokenCache();
    const { deps, clock } = collector({ secrets, tokens });
    const job = () =>
      jobFor({ url: `${source.url}/api`, auth: { ...oauth, tokenUrl: `${source.url}/token` } });
    const tokenRequests = () => source.requests.filter((r) => r.parsed.pathname === "/token");
    const before = tokenRequests().length;

    const first = await runJob(job(), 1, deps);
    expect(first).toMatchObject({ status: "succeeded", stats: { recordsOut: 1, requests: 2 } });
    const tokenRequest = tokenRequests().at(-1);
    expect(tokenRequest?.method).toBe("POST");
    expect(tokenRequest?.body).toBe("grant_type=client_credentials&scope=read");
    expect(tokenRequest?.headers.authorization).toBe(
      `Basic ${Buffer.from("client-1:shh-secret").toString("base64")}`,
    );
    expect(last()?.headers.authorization).toBe(`Bearer tok-${issued}`);

    await runJob(job(), 1, deps);
    expect(tokenRequests().length - before).toBe(1);

    clock.sleeps.length = 0;
    await clock.sleep(3_600_000);
    await runJob(job(), 1, deps);
    expect(tokenRequests().length - before).toBe(2);
  });

  it("sends the client credentials as form fields when clientAuth is body", async () => {
    const { deps } = collector({ secrets });
    await runJob(
      jobFor({
        url: `${source.url}/api`,
        auth: { ...oauth, tokenUrl: `${source.url}/token`, clientAuth: "body" },
      }),
      1,
      deps,
    );
    const tokenRequest = source.requests.filter((r) => r.parsed.pathname === "/token").at(-1);
    expect(tokenRequest?.headers.authorization).toBeUndefined();
    expect(tokenRequest?.body).toBe(
      "grant_type=client_credentials&scope=read&client_id=client-1&client_secret=shh-secret",
    );
  });

  it("fetches a new token once when the API answers 401 to a cached one", async () => {
    const tokens = new TokenCache();
    const { deps } = collector({ secrets, tokens });
    const job = () =>
      jobFor({ url: `${source.url}/api`, auth: { ...oauth, tokenUrl: `${source.url}/token` } });
    await runJob(job(), 1, deps);
    valid = new Set(); // the server revokes every token it issued
    const outcome = await runJob(job(), 1, deps);
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 1, retries: 0 } });
    expect(last()?.headers.authorization).toBe(`Bearer tok-${issued}`);
  });

  it("fails with the 401 when a fresh token is refused as well, without asking again and again", async () => {
    const { deps } = collector({ secrets });
    const before = source.requests.length;
    const job = jobFor({ url: `${source.url}/api`, auth: { ...oauth, tokenUrl: `${source.url}/token` } });
    const refusing = {
      ...job,
      spec: { ...job.spec, source: { ...job.spec.source, url: `${source.url}/data-401` } },
    };
    source.set("/data-401", { status: 401, body: { error: "nope" } });
    const outcome = await runJob(refusing, 1, deps);
    expect(outcome).toMatchObject({ status: "failed", error: { code: "source_http_error" } });
    expect(outcome.error?.message).toContain("answered HTTP 401");
    // token, request, token again, request again: then it stops.
    expect(source.requests.length - before).toBe(4);
  });

  it("fails with source_auth_failed when the token endpoint refuses, never showing the secret", async () => {
    tokenStatus = 401;
    try {
      const { deps } = collector({ secrets });
      const outcome = await runJob(
        jobFor({
          url: `${source.url}/api`,
          auth: { ...oauth, tokenUrl: `${source.url}/token?secret=shh-secret` },
        }),
        1,
        deps,
      );
      expect(outcome).toMatchObject({ status: "failed", error: { code: "source_auth_failed" } });
      expect(outcome.error?.message).toBe(
        `token request POST ${source.url}/token answered HTTP 401: {"error":"invalid_client"}`,
      );
      expect(JSON.stringify(outcome)).not.toContain("shh-secret");
    } finally {
      tokenStatus = 200;
    }
  });
});
