/**
 * @module From an `Authorization` header to a principal: API keys from the keys file, then
 * managed keys in Postgres, or a JWT. Every failure is a verdict with a reason safe to show; the
 * credential itself never appears in one.
 */

import type { JwtVerifier } from "./jwt.js";
import type { KeyStore } from "./key-store.js";
import type { FileKeySource } from "./keys-file.js";
import type { Verdict } from "./principal.js";
import { looksLikeJwt } from "./secrets.js";

export interface CredentialSources {
  file?: FileKeySource | undefined;
  keys: KeyStore;
  jwt?: JwtVerifier | undefined;
}

export class Authenticator {
  constructor(private readonly sources: CredentialSources) {}

  /** `undefined` when the request carries no credential. */
  async authenticate(authorization: string | undefined): Promise<Verdict | undefined> {
    if (authorization === undefined || authorization === "") return undefined;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const token = match?.[1];
    if (!token) {
      return { ok: false, reason: "the Authorization header must read `Bearer <API key or token>`" };
    }
    if (looksLikeJwt(token)) {
      if (!this.sources.jwt) return { ok: false, reason: "this gateway accepts no JWTs" };
      return this.sources.jwt.check(token);
    }
    const verdict = (await this.sources.file?.check(token)) ?? (await this.sources.keys.check(token));
    return verdict ?? { ok: false, reason: "the API key is not valid" };
  }
}
