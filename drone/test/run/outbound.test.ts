// biome-ignore-all lint/suspicious/noTemplateCurlyInString: profile templates are written ${like_this} in plain strings
import { type HttpSource, startHttpSource } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runJob } from "../../src/runner.js";
import { type AddressGuard, outboundGuard } from "../../src/source/guard.js";
import { collector, hours, jobFor, loopbackGuard, secretsOf } from "../helpers.js";

describe("the outbound guard on a run", () => {
  let source: HttpSource;
  const unguarded = outboundGuard();

  beforeAll(async () => {
    source = await startHttpSource({
      "/data": { body: hours(0, 3) },
      "/to-metadata": { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } },
      "/to-localhost": {
        respond: () => ({ status: 307, headers: { location: `http://localhost:${source.port}/data` } }),
      },
      "/next-private": { body: { ...hours(0, 2), next: "http://10.0.0.7/data?page=2" } },
      "/token": { body: { access_token: "tok-1", expires_in: 3600 } },
    });
  });
  afterAll(() => source.close());

  const run = (sourceSpec: object, guard: AddressGuard, extra = {}) =>
    runJob(jobFor(sourceSpec as never), 1, collector({ guard, ...extra }).deps);
  const hits = () => source.requests.length;

  it("refuses a source on 127.0.0.1 unless the allowlist opens it, without connecting", async () => {
    const before = hits();
    const outcome = await run({ url: `${source.url}/data` }, unguarded);
    expect(outcome).toMatchObject({
      status: "failed",
      stats: { recordsOut: 0 },
      error: {
        code: "source_forbidden",
        message: `GET ${source.url}/data: 127.0.0.1 is a loopback address; the drone reaches only public addresses unless DRONE_ALLOW_NETWORKS lists it`,
      },
    });
    expect(hits()).toBe(before);
  });

  it("refuses the cloud metadata endpoint", async () => {
    const outcome = await run({ url: "http://169.254.169.254/latest/meta-data/iam/" }, unguarded);
    expect(outcome.error).toEqual({
      code: "source_forbidden",
      message:
        "GET http://169.254.169.254/latest/meta-data/iam/: 169.254.169.254 is a link-local address (where cloud metadata endpoints answer); the drone reaches only public addresses unless DRONE_ALLOW_NETWORKS lists it",
    });
    expect(outcome.stats).toMatchObject({ requests: 1, retries: 0 });
  });

  it("checks the addresses a name resolves to when connecting, so localhost is refused unless allowed", async () => {
    const url = `http://localhost:${source.port}/data`;
    const before = hits();
    const refused = await run({ url }, unguarded);
    expect(refused.error?.code).toBe("source_forbidden");
    expect(refused.error?.message).toMatch(
      new RegExp(
        `^GET ${url}: localhost resolves to (127\\.0\\.0\\.1|::1), which is a loopback address; .*DRONE_ALLOW_NETWORKS`,
      ),
    );
    expect(hits()).toBe(before);

    const byName = await run({ url }, outboundGuard({ allow: "localhost" }));
    expect(byName).toMatchObject({ status: "succeeded", stats: { recordsOut: 3 } });
    // Allowing the address opens the name too: only the allowed addresses are connected to.
    const byAddress = await run({ url }, outboundGuard({ allow: "127.0.0.1/32" }));
    expect(byAddress).toMatchObject({ status: "succeeded", stats: { recordsOut: 3 } });
  });

  it("checks the address actually connected to, not an earlier answer for the name (DNS rebinding)", async () => {
    // A name that answers a public address first and the loopback address afterwards.
    let lookups = 0;
    const guard = outboundGuard({
      resolve: async () => [
        lookups++ === 0 ? { address: "93.184.215.14", family: 4 } : { address: "127.0.0.1", family: 4 },
      ],
    });
    expect(await guard.isPrivate("rebind.example")).toBe(false);
    const before = hits();
    const outcome = await run({ url: `http://rebind.example:${source.port}/data` }, guard);
    expect(outcome.error).toEqual({
      code: "source_forbidden",
      message: `GET http://rebind.example:${source.port}/data: rebind.example resolves to 127.0.0.1, which is a loopback address; the drone reaches only public addresses unless DRONE_ALLOW_NETWORKS lists it`,
    });
    expect(lookups).toBe(2);
    expect(hits()).toBe(before);
  });

  it("connects only to the allowed addresses of a name that resolves to several", async () => {
    const guard = outboundGuard({
      allow: "127.0.0.1",
      resolve: async () => [
        { address: "10.0.0.1", family: 4 },
        { address: "127.0.0.1", family: 4 },
      ],
    });
    const outcome = await run({ url: `http://mixed.example:${source.port}/data` }, guard);
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 3 } });
  });

  it("reaches a source inside an allowlisted CIDR block", async () => {
    const outcome = await run({ url: `${source.url}/data` }, outboundGuard({ allow: "127.0.0.0/8" }));
    expect(outcome).toMatchObject({ status: "succeeded", stats: { recordsOut: 3 } });
  });

  it("refuses an allowed source's redirect to an address the allowlist does not open", async () => {
    const outcome = await run({ url: `${source.url}/to-metadata` }, loopbackGuard);
    expect(outcome.error).toEqual({
      code: "source_forbidden",
      message: expect.stringMatching(
        /^GET http:\/\/169\.254\.169\.254\/latest\/meta-data\/: 169\.254\.169\.254 is a link-local address/,
      ),
    });
  });

  it("refuses a public source's redirect into the allowlist", async () => {
    // Plays a public source: 127.0.0.1 counts as public for the redirect rule, `localhost` not.
    const guard: AddressGuard = { ...loopbackGuard, isPrivate: async (host) => host === "localhost" };
    const before = hits();
    const outcome = await run({ url: `${source.url}/to-localhost` }, guard);
    expect(outcome.error).toEqual({
      code: "source_redirect_refused",
      message: `GET ${source.url}/to-localhost redirected to localhost:${source.port}, a private or loopback address; a public source may not redirect there`,
    });
    expect(hits()).toBe(before + 1);
  });

  it("refuses a next-page URL that points at a private address", async () => {
    const outcome = await run(
      { url: `${source.url}/next-private`, pagination: { type: "nextUrl", path: "$.next" } },
      loopbackGuard,
    );
    expect(outcome).toMatchObject({
      status: "failed",
      stats: { pages: 1, recordsOut: 2 },
      error: {
        code: "source_forbidden",
        message: expect.stringMatching(/^GET http:\/\/10\.0\.0\.7\/data: 10\.0\.0\.7 is a private address/),
      },
    });
  });

  it("refuses an OAuth2 token URL the allowlist does not open", async () => {
    const before = hits();
    const outcome = await run(
      {
        url: "https://api.example.org/data",
        auth: {
          type: "oauth2ClientCredentials",
          tokenUrl: `${source.url}/token`,
          clientId: "c",
          clientSecret: "${secret:SECRET}",
        },
      },
      unguarded,
      { secrets: secretsOf({ SECRET: "s3cret" }) },
    );
    expect(outcome.error?.code).toBe("source_forbidden");
    expect(outcome.error?.message).toContain(`token request POST ${source.url}/token failed: `);
    expect(outcome.error?.message).toContain("127.0.0.1 is a loopback address");
    expect(hits()).toBe(before);
  });

  it("refuses a fan-out parent request to a private address", async () => {
    const outcome = await run(
      {
        url: `${source.url}/data`,
        fanOut: { from: { url: "http://192.168.0.10/ids", path: "$.ids[*]" } },
      },
      loopbackGuard,
    );
    expect(outcome.error?.code).toBe("source_forbidden");
    expect(outcome.error?.message).toMatch(/192\.168\.0\.10 is a private address/);
  });
});
