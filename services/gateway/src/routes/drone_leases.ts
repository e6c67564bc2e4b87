/**
 * @module Leasing jobs for edge drones: `POST /api/v1/drone/leases` waits (a long poll) for a job
 * of the drone's pool and answers it with a signed lease; `/leases/renew`, `/leases/complete`
 * and `/leases/release` act on that lease through any gateway replica. A job taken for a caller
 * that has gone away meanwhile is handed back at once.
 */
import {
  attemptOf,
  DroneLeaseRefSchema,
  DroneLeaseReleaseSchema,
  DroneLeaseRequestSchema,
  DroneLeaseSchema,
  JobSchema,
} from "@chartly/contracts";
import { createRoute, type z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import type { Deps } from "../context.js";
import { errorResponses, json, problem } from "./openapi.js";

export type DroneLeaseResponse = z.infer<typeof DroneLeaseSchema>;

const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: { "application/json": { schema } } },
});

export const leaseRoute = createRoute({
  operationId: "drone.lease",
  tags: ["drone API"],
  method: "post",
  path: "/api/v1/drone/leases",
  summary: "Lease a job of the drone's pool (long poll)",
  request: body(DroneLeaseRequestSchema),
  responses: {
    200: json(DroneLeaseSchema, "A job, with the lease that renews, completes or hands it back."),
    204: { description: "No job came within waitMs; ask again." },
    ...errorResponses,
  },
});

const leaseAction = <T extends z.ZodType>(
  action: "renew" | "complete" | "release",
  schema: T,
  summary: string,
  description: string,
) =>
  createRoute({
    operationId: `drone.lease.${action}`,
    tags: ["drone API"],
    method: "post",
    path: `/api/v1/drone/leases/${action}`,
    summary,
    request: body(schema),
    responses: {
      204: { description },
      409: problem(
        "The lease lapsed and its job was delivered again (to this drone or another); the newer delivery decides the run. Sending this again cannot succeed.",
      ),
      ...errorResponses,
    },
  });

export const renewRoute = leaseAction(
  "renew",
  DroneLeaseRefSchema,
  "Keep a lease alive",
  "Renewed for another lease period.",
);
export const completeRoute = leaseAction(
  "complete",
  DroneLeaseRefSchema,
  "Complete a leased job",
  "The job is done and removed from the queue (post its batches and run events first).",
);
export const releaseRoute = leaseAction(
  "release",
  DroneLeaseReleaseSchema,
  "Hand a leased job back",
  "The job is delivered again after delayMs, or removed when terminate is true.",
);

export const registerDroneLeases = (app: App, { droneBroker }: Deps) => {
  app.openapi(leaseRoute, async (c) => {
    const { droneId, pool, waitMs, leaseMs } = c.req.valid("json");
    const broker = droneBroker();
    const taken = await broker.take(pool, leaseMs, waitMs);
    if (!taken) return c.body(null, 204);
    const { msg } = taken;
    const parsed = JobSchema.safeParse(safeJson(msg));
    if (!parsed.success) {
      // A job no drone could run: drop it rather than hand it out again and again.
      msg.term();
      return c.body(null, 204);
    }
    if (c.req.raw.signal.aborted) {
      msg.nak();
      return c.body(null, 204);
    }
    const job = parsed.data;
    const deliveryCount = msg.info.deliveryCount;
    const attempt = attemptOf(job, deliveryCount);
    const lease = broker.signer.sign({
      reply: taken.ackSubject,
      runId: job.runId,
      tenant: job.tenant,
      profileId: job.profileId,
      attempt,
      droneId,
      pool,
      issuedAt: Date.now(),
    });
    return c.json({ lease, job, deliveryCount, attempt, leaseMs: taken.ackWaitMs }, 200);
  });
  app.openapi(renewRoute, async (c) => {
    const broker = droneBroker();
    await broker.renew(broker.signer.verify(c.req.valid("json").lease));
    return c.body(null, 204);
  });
  app.openapi(completeRoute, async (c) => {
    const broker = droneBroker();
    await broker.complete(broker.signer.verify(c.req.valid("json").lease));
    return c.body(null, 204);
  });
  app.openapi(releaseRoute, async (c) => {
    const broker = droneBroker();
    const { lease, delayMs, terminate } = c.req.valid("json");
    await broker.release(broker.signer.verify(lease), delayMs, terminate);
    return c.body(null, 204);
  });
};

function safeJson(msg: { json(): unknown }): unknown {
  try {
    return msg.json();
  } catch {
    return undefined;
  }
}
