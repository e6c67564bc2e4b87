/**
 * @module Request limits: body size (413), and requests per client address and per principal
 * (429 with Retry-After), the address's counted from the request's arrival.
 */
import { AppError } from "@chartly/platform";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { GatewayEnv } from "../context.js";
import type { RateDecision, RateLimiter } from "./rate-limit.js";

export function bodySizeLimit(maxBytes: number): MiddlewareHandler<GatewayEnv> {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError(
        "payload_too_large",
        `the request body is larger than the ${maxBytes} bytes this gateway accepts (MAX_REQUEST_SIZE)`,
      );
    },
  });
  // GET and HEAD carry no body; asking for one would make the Node adapter build a full Request.
  return (c, next) => (c.req.method === "GET" || c.req.method === "HEAD" ? next() : limit(c, next));
}

/** The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For hop. */
export function clientIp(trustProxy: boolean): MiddlewareHandler<GatewayEnv> {
  return (c, next) => {
    // Worked out when first asked (rate limits, the audit of a write): most reads never ask.
    let address: string | undefined;
    c.set("clientIp", () => {
      if (address === undefined) {
        const forwarded = trustProxy ? c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim() : undefined;
        address = forwarded || peerAddress(c);
      }
      return address;
    });
    return next();
  };
}

function peerAddress(c: Context<GatewayEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? "";
  } catch {
    return ""; // requests made in-process (tests) have no socket
  }
}

/**
 * The per-address limit. Its count starts as the request arrives, and its verdict is awaited
 * where the request's fate is decided: beside the credential's count once the caller is known
 * (`principalRateLimit`), or before a failed authentication is answered (`addressVerdict`), so the
 * two counter updates travel at the same time and an address over its limit is refused with
 * 429 whatever its credential says.
 */
export function addressRateLimit(limiter: RateLimiter, limit: number): MiddlewareHandler<GatewayEnv> {
  return (c, next) => {
    const who = c.get("clientIp")();
    if (who) c.set("addressLimit", { limit, decision: limiter.consume(`ip:${who}`, limit) });
    return next();
  };
}

/** Throws 429 when the request's address is over its limit (a no-op when nothing counts it). */
export async function addressVerdict(c: Context<GatewayEnv>): Promise<void> {
  const pending = c.get("addressLimit");
  if (pending) refuseOver(c, "ip", pending.limit, await pending.decision);
}

/** The per-credential limit, decided together with the per-address one. */
export function principalRateLimit(limiter: RateLimiter, limit: number): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const who = c.get("principal")?.id;
    const own = who ? limiter.consume(`principal:${who}`, limit) : undefined;
    await addressVerdict(c);
    if (own) refuseOver(c, "principal", limit, await own);
    return next();
  };
}

function refuseOver(
  c: Context<GatewayEnv>,
  kind: "ip" | "principal",
  limit: number,
  decision: RateDecision,
): void {
  if (decision.allowed) return;
  c.header("retry-after", String(decision.retryAfterSeconds));
  throw new AppError(
    "rate_limited",
    `more than ${limit} requests from this ${kind === "ip" ? "address" : "credential"} in the current window; retry in ${decision.retryAfterSeconds} s`,
  );
}
