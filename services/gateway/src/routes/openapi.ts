/** @module Pieces every route declaration shares: JSON bodies, error responses, pages. */
import { z } from "@hono/zod-openapi";
import { ProblemSchema } from "../problem.js";

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

export const problem = (description: string) => ({
  content: { "application/problem+json": { schema: ProblemSchema } },
  description,
});

/** The error answers any route under /api/v1 may give. */
export const errorResponses = {
  400: problem("The request is not valid; `errors` points at each field at fault."),
  401: problem("No credential, or one that is not valid."),
  403: problem("The credential's roles or tenants do not allow this."),
  404: problem("Not found, or not in the caller's tenant."),
  413: problem("The request body is larger than MAX_REQUEST_SIZE."),
  429: problem("Too many requests; see Retry-After."),
  500: problem("An unexpected error (details are in the gateway's log)."),
  503: problem("The service that answers this route is not running."),
  504: problem("The service that answers this route did not answer in time."),
} as const;

export const IdParamSchema = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\p{Cc}]+$/u, "must not contain control characters"),
});

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    limit: z.number().int(),
    offset: z.number().int(),
    total: z.number().int(),
  });
