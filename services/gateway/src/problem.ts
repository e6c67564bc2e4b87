/**
 * @module Errors as `application/problem+json` (RFC 9457): a stable `type` and `code` from the
 * closed set, the fields at fault as JSON pointers (`errors`), and the request id. Unexpected
 * errors say only "internal error"; their details go to the log.
 */
import { ERROR_STATUS, type ErrorCode } from "@chartly/contracts";
import { AppError, toAppError } from "@chartly/platform";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { GatewayEnv } from "./context.js";

export const PROBLEM_TYPE = "https://chartly.dev/problems/";

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: `${PROBLEM_TYPE}not_found` }),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
    detail: z.string(),
    errors: z
      .array(
        z.object({
          in: z.enum(["body", "query", "path", "header"]).optional(),
          pointer: z.string().openapi({ description: "JSON pointer to the field at fault" }),
          message: z.string(),
        }),
      )
      .optional(),
    requestId: z.string(),
  })
  .openapi("Problem");
export type Problem = z.infer<typeof ProblemSchema>;

const CODE_OF_STATUS = Object.fromEntries(
  Object.entries(ERROR_STATUS).map(([code, status]) => [status, code as ErrorCode]),
) as Record<number, ErrorCode>;

/** HTTP errors raised by Hono itself (malformed JSON, wrong media type) get the code of their status. */
export function asAppError(error: unknown): AppError {
  if (error instanceof HTTPException) {
    const code = CODE_OF_STATUS[error.status] ?? "internal";
    return new AppError(code, code === "internal" ? "internal error" : error.message, undefined, {
      cause: error,
    });
  }
  return toAppError(error);
}

export function problemResponse(c: Context<GatewayEnv>, error: unknown): Response {
  const appError = asAppError(error);
  const body: Problem = {
    type: `${PROBLEM_TYPE}${appError.code}`,
    title: appError.code.replace(/_/g, " "),
    status: appError.status,
    code: appError.code,
    detail: appError.message,
    ...(Array.isArray(appError.details) ? { errors: appError.details } : {}),
    requestId: c.get("requestId") ?? "",
  };
  return c.body(JSON.stringify(body), appError.status as ContentfulStatusCode, {
    "content-type": "application/problem+json",
  });
}
