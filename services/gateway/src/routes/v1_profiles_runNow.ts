/** @module `POST /api/v1/profiles/{id}/runs`: queue a manual run of a profile, by the coordinator. */
import { type Run, RunSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema, json } from "./openapi.js";

const BodySchema = z.object({
  /** Re-run a given slot (its data is idempotent); defaults to now. */
  slot: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: "Re-run this slot; defaults to now." }),
});
export type V1ProfilesRunNowResponse = Run;

export const route = createRoute({
  operationId: "runs.trigger",
  tags: ["runs"],
  method: "post",
  path: "/api/v1/profiles/{id}/runs",
  summary: "Run a profile now",
  request: { params: IdParamSchema, body: { content: { "application/json": { schema: BodySchema } } } },
  responses: { 202: json(RunSchema, "The queued run."), ...errorResponses },
});

export const registerV1ProfilesRunNow = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    const { slot } = c.req.valid("json");
    const run = await rpc.call<Run>(
      "coordinator",
      "runs.trigger",
      { profileId: id, ...(slot !== undefined ? { slot } : {}) },
      callerOf(c),
    );
    return c.json(run, 202);
  });
