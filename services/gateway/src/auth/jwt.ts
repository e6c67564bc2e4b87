/**
 * @module Bearer JWTs (jose). HS256 tokens are checked against `AUTH_JWT_HS256_SECRET`, RS256
 * and ES256 tokens against the key set at `AUTH_JWT_JWKS_URL` (cached; fetched again when a
 * token names an unknown `kid`). The algorithm decides the key: an HS256 token is never checked
 * with a public key, so HS/RS confusion and `alg: none` fail. `iss`, `aud` and `exp` are
 * required, `nbf` honoured, both with the configured leeway.
 */
import { AppError } from "@chartly/platform";
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import { knownRoles, type Principal, type Verdict } from "./principal.js";

export interface JwtOptions {
  hs256Secret?: string | undefined;
  jwksUrl?: string | undefined;
  jwksCooldownSeconds: number;
  issuer: string;
  audience: string;
  leewaySeconds: number;
  tenantClaim: string;
  rolesClaim: string;
}

const ASYMMETRIC = ["RS256", "ES256"];
const KEY_SET_UNREACHABLE = ["ERR_JWKS_TIMEOUT", "ERR_JOSE_GENERIC", "ERR_JWKS_INVALID"];

export class JwtVerifier {
  private readonly secret: Uint8Array | undefined;
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private readonly checks: JWTVerifyOptions;

  constructor(private readonly options: JwtOptions) {
    this.secret = options.hs256Secret ? new TextEncoder().encode(options.hs256Secret) : undefined;
    this.jwks = options.jwksUrl
      ? createRemoteJWKSet(new URL(options.jwksUrl), {
          cooldownDuration: options.jwksCooldownSeconds * 1000,
          cacheMaxAge: 10 * 60_000,
          timeoutDuration: 5_000,
        })
      : undefined;
    this.checks = {
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: options.leewaySeconds,
      requiredClaims: ["iss", "aud", "exp"],
    };
  }

  async check(token: string): Promise<Verdict> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return { ok: false, reason: "the token is not a valid JWT" };
    }
    try {
      let payload: JWTPayload;
      if (alg === "HS256" && this.secret) {
        ({ payload } = await jwtVerify(token, this.secret, { ...this.checks, algorithms: ["HS256"] }));
      } else if (alg && ASYMMETRIC.includes(alg) && this.jwks) {
        ({ payload } = await jwtVerify(token, this.jwks, { ...this.checks, algorithms: ASYMMETRIC }));
      } else {
        return { ok: false, reason: `tokens signed with ${alg ?? "no algorithm"} are not accepted` };
      }
      return { ok: true, principal: this.principalOf(payload) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      // The key set could not be had: the caller is not at fault.
      if (alg !== "HS256" && (code === undefined || KEY_SET_UNREACHABLE.includes(code))) {
        throw new AppError("unavailable", "cannot fetch the key set to check the token", undefined, {
          cause: error,
        });
      }
      return { ok: false, reason: reasonOf(error) };
    }
  }

  private principalOf(payload: JWTPayload): Principal {
    const tenantClaim = payload[this.options.tenantClaim];
    const rolesClaim = payload[this.options.rolesClaim];
    const tenants = (Array.isArray(tenantClaim) ? tenantClaim : [tenantClaim]).filter(
      (t): t is string => typeof t === "string" && t.length > 0,
    );
    const roles = knownRoles(
      Array.isArray(rolesClaim) ? rolesClaim : typeof rolesClaim === "string" ? rolesClaim.split(" ") : [],
    );
    return { id: `jwt:${payload.sub ?? "unknown"}`, tenants, roles };
  }
}

function reasonOf(error: unknown): string {
  const { code, claim } = error as { code?: string; claim?: string };
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return "the token has expired";
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return claim === "nbf"
        ? "the token is not valid yet"
        : `the token's ${claim ?? "claims"} claim is not valid`;
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return "the token's signature is not valid";
    case "ERR_JWKS_NO_MATCHING_KEY":
      return "no known key matches the token's kid";
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return "the token's algorithm is not accepted";
    default:
      return "the token is not valid";
  }
}
