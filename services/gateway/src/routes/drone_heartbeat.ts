/**
 * @module `PUT /api/v1/drone/heartbeat` and `DELETE /api/v1/drone/heartbeat/{id}`: an edge drone
 * says it is alive (stored in the fleet's heartbeat bucket, as NATS drones do) and learns whether
 * an operator drained it; on a clean stop it leaves the fleet view.
 */
import { DroneHeartbeatAnswerSchema, DroneHeartbeatSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import type { Deps } from "../context.js";
import { errorResponses, json } from "./openapi.js";

/** A drone id as drones declare it: the heartbeat bucket's keys allow no other characters. */
const DroneIdParamSchema = z.object({
  id: z
    .string()
    .regex(
      /^(?!\.)[\w.-]{1,100}(?<!\.)$/,
      "must be 1-100 letters, digits, '.', '-' or '_', not starting or ending with '.'",
    ),
});

export const heartbeatRoute = createRoute({
  operationId: "drone.heartbeat",
  tags: ["drone API"],
  method: "put",
  path: "/api/v1/drone/heartbeat",
  summary: "Report an edge drone alive",
  request: { body: { required: true, content: { "application/json": { schema: DroneHeartbeatSchema } } } },
  responses: {
    200: json(DroneHeartbeatAnswerSchema, "What the control plane wants of the drone."),
    ...errorResponses,
  },
});

export const leaveRoute = createRoute({
  operationId: "drone.leave",
  tags: ["drone API"],
  method: "delete",
  path: "/api/v1/drone/heartbeat/{id}",
  summary: "Remove a stopping edge drone from the fleet view",
  request: { params: DroneIdParamSchema },
  responses: { 204: { description: "Removed." }, ...errorResponses },
});

export const registerDroneHeartbeat = (app: App, { droneBroker }: Deps) => {
  app.openapi(heartbeatRoute, async (c) => c.json(await droneBroker().heartbeat(c.req.valid("json")), 200));
  app.openapi(leaveRoute, async (c) => {
    await droneBroker().leave(c.req.valid("param").id);
    return c.body(null, 204);
  });
};
