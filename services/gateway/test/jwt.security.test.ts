import { type HttpSource, startHttpSource } from "@chartly/testkit";
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { startWorld, type World } from "./harness.js";

const SECRET = "a-shared-secret-of-at-least-32-characters";
const ISSUER = "https://issuer.test";
const AUDIENCE = "chartly";
const now = () => Math.floor(Date.now() / 1000);

const claims = (extra: JWTPayload = {}): JWTPayload => ({
  sub: "alice",
  iss: ISSUER,
  aud: AUDIENCE,
  exp: now() + 300,
  tenant: "acme",
  roles: ["reader"],
  ...extra,
});

const hs256 = (payload: JWTPayload, secret = SECRET) =>
  new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));

describe("JWT authentication", () => {
  let world: World;
  let app: App;
  let jwks: HttpSource;
  let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
  let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
  const published: JWK[] = [];

  const signed = (alg: "RS256" | "ES256", kid: string, payload: JWTPayload, key: CryptoKey) =>
    new SignJWT(payload).setProtectedHeader({ alg, kid }).sign(key);

  const status = async (token: string) => {
    const response = await app.request("/api/v1/profiles", { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { detail?: string };
    return { status: response.status, detail: body.detail };
  };

  beforeAll(async () => {
    rsa = await generateKeyPair("RS256");
    ec = await generateKeyPair("ES256");
    published.push(
      { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
      { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
    );
    jwks = await startHttpSource({ "/jwks": { respond: () => ({ body: { keys: published } }) } });
    world = await startWorld();
    app = await world.app({
      AUTH_JWT_HS256_SECRET: SECRET,
      AUTH_JWT_JWKS_URL: `${jwks.url}/jwks`,
      AUTH_JWT_JWKS_COOLDOWN_SECONDS: "0",
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      AUTH_JWT_LEEWAY_SECONDS: "5",
    });
  });
  afterAll(async () => {
    await world.close();
    await jwks.close();
  });

  it("accepts an HS256 token and takes tenant and roles from its claims", async () => {
    const token = await hs256(claims());
    expect(await status(token)).toMatchObject({ status: 200 });
    expect(world.seen.at(-1)).toMatchObject({ tenant: "acme", principal: "jwt:alice" });
    const write = await app.request("/api/v1/profiles/gdp/runs", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(write.status).toBe(403);
  });

  it("accepts RS256 and ES256 tokens signed by a key in the key set", async () => {
    expect(await status(await signed("RS256", "rsa-1", claims(), rsa.privateKey))).toMatchObject({
      status: 200,
    });
    expect(await status(await signed("ES256", "ec-1", claims(), ec.privateKey))).toMatchObject({
      status: 200,
    });
  });

  it("fetches the key set again when a token names a kid it does not know yet", async () => {
    const rotated = await generateKeyPair("RS256");
    const token = await signed("RS256", "rsa-2", claims(), rotated.privateKey);
    expect(await status(token)).toEqual({ status: 401, detail: "no known key matches the token's kid" });
    published.push({ ...(await exportJWK(rotated.publicKey)), kid: "rsa-2", alg: "RS256", use: "sig" });
    expect(await status(token)).toMatchObject({ status: 200 });
  });

  it("refuses a token signed with another secret", async () => {
    expect(await status(await hs256(claims(), "another-secret-of-at-least-32-characters!"))).toEqual({
      status: 401,
      detail: "the token's signature is not valid",
    });
  });

  it("refuses an RS256 token whose signature does not match the key", async () => {
    const other = await generateKeyPair("RS256");
    expect(await status(await signed("RS256", "rsa-1", claims(), other.privateKey))).toEqual({
      status: 401,
      detail: "the token's signature is not valid",
    });
  });

  it("refuses alg none", async () => {
    const token = new UnsecuredJWT(claims()).encode();
    expect(await status(token)).toEqual({ status: 401, detail: "tokens signed with none are not accepted" });
  });

  it("refuses an HS256 token made with the public RSA key as its secret (HS/RS confusion)", async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
      .sign(new TextEncoder().encode(pem));
    expect(await status(token)).toEqual({ status: 401, detail: "the token's signature is not valid" });
  });

  it("refuses expired, not yet valid, wrong audience, wrong issuer and exp-less tokens", async () => {
    const cases: [JWTPayload, string][] = [
      [claims({ exp: now() - 60 }), "the token has expired"],
      [claims({ nbf: now() + 60 }), "the token is not valid yet"],
      [claims({ aud: "someone-else" }), "the token's aud claim is not valid"],
      [claims({ iss: "https://evil.test" }), "the token's iss claim is not valid"],
      [claims({ exp: undefined }), "the token's exp claim is not valid"],
    ];
    for (const [payload, detail] of cases) {
      expect({ payload, ...(await status(await hs256(payload))) }).toEqual({ payload, status: 401, detail });
    }
  });

  it("tolerates clock skew within the leeway", async () => {
    expect(await status(await hs256(claims({ exp: now() - 2 })))).toMatchObject({ status: 200 });
  });

  it("refuses a token that names no tenant, unless AUTH_TENANT_REQUIRED is false", async () => {
    const token = await hs256(claims({ tenant: undefined }));
    expect(await status(token)).toEqual({ status: 403, detail: "the credential names no tenant" });
    const lenient = await world.app({
      AUTH_JWT_HS256_SECRET: SECRET,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      AUTH_TENANT_REQUIRED: "false",
      DEFAULT_TENANT: "globex",
    });
    const response = await lenient.request("/api/v1/profiles", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await response.json()).toEqual({ items: [{ id: "gdp", tenant: "globex", name: "Globex GDP" }] });
  });

  it("reads tenant and roles from the configured claims", async () => {
    const custom = await world.app({
      AUTH_JWT_HS256_SECRET: SECRET,
      AUTH_JWT_ISSUER: ISSUER,
      AUTH_JWT_AUDIENCE: AUDIENCE,
      AUTH_JWT_TENANT_CLAIM: "https://chartly.dev/org",
      AUTH_JWT_ROLES_CLAIM: "scope",
    });
    const token = await hs256(
      claims({ tenant: undefined, "https://chartly.dev/org": "globex", scope: "operator openid" }),
    );
    const response = await custom.request("/api/v1/profiles/gdp/runs", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(202);
    expect(world.seen.at(-1)).toMatchObject({ tenant: "globex", principal: "jwt:alice" });
  });

  it("refuses a token whose tenant could not travel as a subject token or header, before any service sees it", async () => {
    for (const tenant of ["a.b", "*", ">", "a b", "a\r\nb", "a\u0000b", "x".repeat(65), "é"]) {
      const before = world.seen.length;
      const token = await hs256(claims({ tenant, roles: ["ingest", "reader"] }));
      for (const [path, init] of [
        ["/api/v1/profiles", {}],
        ["/api/v1/ingest", { method: "POST", body: '{"device_id":"d","ts":1,"seq":1,"metrics":{"t":1}}' }],
      ] as const) {
        const response = await app.request(path, {
          ...init,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        });
        expect({ tenant, path, status: response.status }).toEqual({ tenant, path, status: 403 });
        expect(((await response.json()) as { detail: string }).detail).toContain("not a valid tenant id");
      }
      expect(world.seen.length).toBe(before);
    }
  });

  it("refuses JWTs where none are configured", async () => {
    const keysOnly = await world.app();
    const response = await keysOnly.request("/api/v1/profiles", {
      headers: { authorization: `Bearer ${await hs256(claims())}` },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ detail: "this gateway accepts no JWTs" });
  });
});
