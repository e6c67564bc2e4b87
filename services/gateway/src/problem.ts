/** @module Errors as `application/problem+json` (RFC 9457), with a stable code and the request id. */
import { AppError, toAppError } from "@chartly/platform";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { GatewayEnv } from "./context.js";

export function problemResponse(c: Context<GatewayEnv>, error: unknown): Response {
  const appError =
    error instanceof HTTPException
      ? new AppError(error.status === 413 ? "invalid_argument" : "internal", error.message)
      : toAppError(error);
  const status = error instanceof HTTPException ? error.status : appError.status;
  const body = {
    type: `https://chartly.dev/problems/${appError.code}`,
    title: appError.code.replace(/_/g, " "),
    status,
    code: appError.code,
    detail: appError.message,
    ...(appError.details !== undefined ? { errors: appError.details } : {}),
    requestId: c.get("requestId"),
  };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", "x-request-id": c.get("requestId") ?? "" },
  });
}
