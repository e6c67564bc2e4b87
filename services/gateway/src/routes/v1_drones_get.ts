/** @module `GET /api/v1/drones/{id}`: one drone's last heartbeat, from the coordinator. */
import { type DroneView, DroneViewSchema } from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema, json } from "./openapi.js";

export type V1DronesGetResponse = DroneView;

export const route = createRoute({
  operationId: "drones.get",
  tags: ["drones"],
  method: "get",
  path: "/api/v1/drones/{id}",
  summary: "Get a drone",
  request: { params: IdParamSchema },
  responses: { 200: json(DroneViewSchema, "The drone."), ...errorResponses },
});

export const registerV1DronesGet = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await rpc.call<DroneView>("coordinator", "drones.get", { id }, callerOf(c)), 200);
  });
