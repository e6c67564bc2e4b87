/**
 * @module Reading a profile's source over HTTP: requests built from templates, credentials,
 * retries, rate limits, redirects under the outbound guard, formats and pagination. The runner
 * composes these; what callers may pass in (clock, secrets, token cache, guard) is exported here.
 */
export type { RequestEvent } from "./client.js";
export { type Clock, systemClock } from "./clock.js";
export type { Failure, FailureCode, Result } from "./failure.js";
export {
  type AddressGuard,
  ALLOW_SETTING,
  type AllowList,
  isPrivateAddress,
  LOOPBACK,
  outboundGuard,
  parseAllowList,
} from "./guard.js";
export { TokenCache } from "./oauth2.js";
export { envSecrets, Masker, type SecretSource } from "./secrets.js";
