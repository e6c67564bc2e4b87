/**
 * @module Adding the profile's credentials to a request: an API key in a header or the query,
 * a bearer token, HTTP Basic, or an OAuth2 client-credentials token. Credential values arrive
 * with their `${secret:...}` references already resolved; every value used is registered with the
 * Masker, including fetched tokens.
 */
import type { AuthSpec } from "@chartly/contracts";
import type { Clock } from "./clock.js";
import { ok, type Result } from "./failure.js";
import type { ExchangeOptions } from "./http.js";
import { type ClientCredentials, requestToken, type TokenCache, tokenKey } from "./oauth2.js";
import type { RequestPlan } from "./request.js";
import type { Masker } from "./secrets.js";

export interface Authenticator {
  apply(plan: RequestPlan): Promise<Result<RequestPlan>>;
  /**
   * Called after HTTP 401: forgets a cached token and says whether trying again with a fresh one
   * makes sense (only for OAuth2; the caller does it once per request).
   */
  renew(): boolean;
}

export interface AuthDeps {
  tokens: TokenCache;
  clock: Clock;
  masker: Masker;
  exchange: ExchangeOptions;
  /** Told of each token request, for the run's request count. */
  onTokenRequest(): void;
}

export function authenticator(spec: AuthSpec | undefined, deps: AuthDeps): Authenticator {
  if (spec?.type === "oauth2ClientCredentials") return oauth2(spec, deps);
  return { apply: async (plan) => ok(withStatic(plan, spec)), renew: () => false };
}

function withStatic(plan: RequestPlan, spec: AuthSpec | undefined): RequestPlan {
  switch (spec?.type) {
    case undefined:
    case "none":
    case "oauth2ClientCredentials":
      return plan;
    case "apiKey": {
      if (spec.in === "query") {
        const url = new URL(plan.url);
        url.searchParams.set(spec.name, spec.value);
        return { ...plan, url };
      }
      return withHeader(plan, spec.name.toLowerCase(), spec.value);
    }
    case "bearer":
      return withHeader(plan, "authorization", `Bearer ${spec.token}`);
    case "basic":
      return withHeader(
        plan,
        "authorization",
        `Basic ${Buffer.from(`${spec.username}:${spec.password}`).toString("base64")}`,
      );
  }
}

function withHeader(plan: RequestPlan, name: string, value: string): RequestPlan {
  return {
    ...plan,
    headers: { ...plan.headers, [name]: value },
    sensitiveHeaders: [...plan.sensitiveHeaders, name],
  };
}

function oauth2(spec: ClientCredentials, deps: AuthDeps): Authenticator {
  const key = tokenKey(spec);
  return {
    async apply(plan) {
      let token = deps.tokens.get(key, deps.clock.now());
      if (token === undefined) {
        deps.onTokenRequest();
        const issued = await requestToken(spec, deps.exchange, deps.clock);
        if (!issued.ok) return issued;
        token = issued.value.token;
        deps.tokens.set(key, token, issued.value.expiresAt);
      }
      deps.masker.add(token);
      return ok(withHeader(plan, "authorization", `Bearer ${token}`));
    },
    renew() {
      deps.tokens.delete(key);
      return true;
    },
  };
}
