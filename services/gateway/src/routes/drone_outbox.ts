/**
 * @module What an edge drone's outbox delivers: `POST /api/v1/drone/batches` publishes a record
 * batch to `RECORDS` and `POST /api/v1/drone/events` a run event to `EVENTS`, each under the
 * message id a NATS drone would use (`<run>:<attempt>:<batch>`, `<run>:<attempt>:<type>`), so a
 * batch sent again after a crash is stored once. The lease decides the run, tenant, profile and
 * attempt; a batch or event that names anything else is refused.
 */
import { DroneBatchPostSchema, DroneEventPostSchema } from "@chartly/contracts";
import { AppError } from "@chartly/platform";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import type { Deps } from "../context.js";
import type { LeaseClaims } from "../drones/lease-token.js";
import { errorResponses, json } from "./openapi.js";

const AcceptedSchema = z.object({
  duplicate: z.boolean().openapi({ description: "True when it had already been stored (a resend)." }),
});
export type DroneOutboxResponse = z.infer<typeof AcceptedSchema>;

const post = (operationId: string, path: string, schema: z.ZodType, summary: string) =>
  createRoute({
    operationId,
    tags: ["drone API"],
    method: "post",
    path,
    summary,
    request: { body: { required: true, content: { "application/json": { schema } } } },
    responses: { 202: json(AcceptedSchema, "Durably queued."), ...errorResponses },
  });

export const batchRoute = post(
  "drone.batches",
  "/api/v1/drone/batches",
  DroneBatchPostSchema,
  "Post a record batch of a leased job",
);
export const eventRoute = post(
  "drone.events",
  "/api/v1/drone/events",
  DroneEventPostSchema,
  "Post a run event (started, finished) of a leased job",
);

/** Refuses what the lease does not cover, naming the field at fault. */
function mustMatch(where: string, given: Record<string, unknown>, claims: LeaseClaims): void {
  const expected: Record<string, unknown> = {
    runId: claims.runId,
    tenant: claims.tenant,
    profileId: claims.profileId,
    attempt: claims.attempt,
    droneId: claims.droneId,
  };
  const wrong = Object.keys(given).filter((field) => given[field] !== expected[field]);
  if (wrong.length === 0) return;
  throw AppError.invalid(
    `the ${where} does not belong to the leased job (${wrong.join(", ")})`,
    wrong.map((field) => ({
      in: "body",
      pointer: `/${where}/${field}`,
      message: `must be ${JSON.stringify(expected[field])}, as the lease says`,
    })),
  );
}

const unavailable = (what: string) => (error: unknown) => {
  throw new AppError("unavailable", `the ${what} could not be stored; send it again`, undefined, {
    cause: error,
  });
};

export const registerDroneOutbox = (app: App, { droneBroker }: Deps) => {
  app.openapi(batchRoute, async (c) => {
    const broker = droneBroker();
    const { lease, batch } = c.req.valid("json") as z.infer<typeof DroneBatchPostSchema>;
    const claims = broker.signer.verify(lease);
    mustMatch("batch", { runId: batch.runId, tenant: batch.tenant, profileId: batch.profileId }, claims);
    const duplicate = await broker.publishBatch(claims, batch).catch(unavailable("batch"));
    return c.json({ duplicate }, 202);
  });
  app.openapi(eventRoute, async (c) => {
    const broker = droneBroker();
    const { lease, event } = c.req.valid("json") as z.infer<typeof DroneEventPostSchema>;
    const claims = broker.signer.verify(lease);
    if (event.type !== "run.started" && event.type !== "run.finished") {
      throw AppError.invalid(`a drone reports run.started and run.finished only, not ${event.type}`, [
        { in: "body", pointer: "/event/type", message: "must be run.started or run.finished" },
      ]);
    }
    const { runId, tenant, profileId, attempt, droneId } = event;
    mustMatch("event", { runId, tenant, profileId, attempt, droneId }, claims);
    const duplicate = await broker.publishEvent(event).catch(unavailable("event"));
    return c.json({ duplicate }, 202);
  });
};
