/** @module `GET /api/v1/runs/{id}`: one run, from the coordinator. */
import { type Run, RunSchema } from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema, json } from "./openapi.js";

export type V1RunsGetResponse = Run;

export const route = createRoute({
  operationId: "runs.get",
  tags: ["runs"],
  method: "get",
  path: "/api/v1/runs/{id}",
  summary: "Get a run",
  request: { params: IdParamSchema },
  responses: { 200: json(RunSchema, "The run."), ...errorResponses },
});

export const registerV1RunsGet = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await rpc.call<Run>("coordinator", "runs.get", { id }, callerOf(c)), 200);
  });
