/**
 * @module Request limits: body size (413), and requests per client address before
 * authentication and per principal after it (429 with Retry-After).
 */
import { AppError } from "@chartly/platform";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { GatewayEnv } from "../context.js";
import type { RateLimiter } from "./rate-limit.js";

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

export function rateLimit(
  limiter: RateLimiter,
  kind: "ip" | "principal",
  limit: number,
): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const who = kind === "ip" ? c.get("clientIp")() : c.get("principal")?.id;
    if (!who) return next();
    const decision = await limiter.consume(`${kind}:${who}`, limit);
    if (!decision.allowed) {
      c.header("retry-after", String(decision.retryAfterSeconds));
      throw new AppError(
        "rate_limited",
        `more than ${limit} requests from this ${kind === "ip" ? "address" : "credential"} in the current window; retry in ${decision.retryAfterSeconds} s`,
      );
    }
    return next();
  };
}
