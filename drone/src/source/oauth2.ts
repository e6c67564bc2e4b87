/**
 * @module OAuth2 client credentials (RFC 6749 §4.4): fetch an access token from the token URL,
 * keep it until shortly before it expires, drop it when the API answers 401. The cache belongs to
 * the drone, so runs of the same profile share a token instead of asking for one each time.
 */
import { createHash } from "node:crypto";
import type { AuthSpec } from "@chartly/contracts";
import type { Clock } from "./clock.js";
import { describeRequest, fail, ok, type Result, snippet } from "./failure.js";
import { type ExchangeOptions, exchange } from "./http.js";
import type { RequestPlan } from "./request.js";

export type ClientCredentials = Extract<AuthSpec, { type: "oauth2ClientCredentials" }>;

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not used; undefined when the server gave no lifetime. */
  expiresAt: number | undefined;
}

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  get(key: string, now: number): string | undefined {
    const cached = this.tokens.get(key);
    if (!cached) return undefined;
    if (cached.expiresAt !== undefined && now >= cached.expiresAt) {
      this.tokens.delete(key);
      return undefined;
    }
    return cached.token;
  }

  set(key: string, token: string, expiresAt: number | undefined): void {
    this.tokens.set(key, { token, expiresAt });
  }

  delete(key: string): void {
    this.tokens.delete(key);
  }
}

/** Identifies a token by everything that decides which token the server issues. */
export function tokenKey(spec: ClientCredentials): string {
  const secret = createHash("sha256").update(spec.clientSecret).digest("hex");
  return JSON.stringify([spec.tokenUrl, spec.clientId, secret, spec.scope ?? "", spec.audience ?? ""]);
}

export interface IssuedToken {
  token: string;
  expiresAt: number | undefined;
}

export async function requestToken(
  spec: ClientCredentials,
  options: ExchangeOptions,
  clock: Clock,
): Promise<Result<IssuedToken>> {
  const url = new URL(spec.tokenUrl);
  const form = new URLSearchParams({ grant_type: "client_credentials" });
  if (spec.scope) form.set("scope", spec.scope);
  if (spec.audience) form.set("audience", spec.audience);
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded",
    "user-agent": "chartly-drone",
  };
  if (spec.clientAuth === "basic") {
    // RFC 6749 §2.3.1: each part is form-encoded before the pair is base64-encoded.
    const pair = `${formEncode(spec.clientId)}:${formEncode(spec.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
  } else {
    form.set("client_id", spec.clientId);
    form.set("client_secret", spec.clientSecret);
  }
  const plan: RequestPlan = { method: "POST", url, headers, body: form.toString(), sensitiveHeaders: [] };
  const where = `token request ${describeRequest("POST", url)}`;
  const sent = await exchange(plan, options);
  if (!sent.ok) {
    // A refused destination keeps its own code: it is the drone's setting, not the credentials.
    const code = sent.failure.code === "source_forbidden" ? "source_forbidden" : "source_auth_failed";
    return fail(code, `${where} failed: ${sent.failure.message}`);
  }
  const { response } = sent.value;
  const text = await response.text().catch(() => "");
  if (!response.ok) {
    return fail(
      "source_auth_failed",
      `${where} answered HTTP ${response.status}${text ? `: ${snippet(text)}` : ""}`,
    );
  }
  let body: { access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return fail("source_auth_failed", `${where} did not answer JSON: "${snippet(text)}"`);
  }
  if (typeof body.access_token !== "string" || body.access_token === "") {
    return fail("source_auth_failed", `${where} answered without an access_token`);
  }
  const lifetime = Number(body.expires_in);
  // Renew a little early, so a token does not expire between being read and being checked.
  const expiresAt =
    Number.isFinite(lifetime) && lifetime > 0
      ? clock.now() + lifetime * 1_000 - Math.min(60_000, lifetime * 100)
      : undefined;
  return ok({ token: body.access_token, expiresAt });
}

const formEncode = (text: string) => new URLSearchParams({ v: text }).toString().slice(2);
