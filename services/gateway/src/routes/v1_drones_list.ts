/** @module `GET /api/v1/drones`: the fleet, alive or lost, from the coordinator. */
import { type DroneView, DroneViewSchema } from "@chartly/contracts";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, json } from "./openapi.js";

const ResponseSchema = z.object({ items: z.array(DroneViewSchema) });
export type V1DronesListResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "drones.list",
  tags: ["drones"],
  method: "get",
  path: "/api/v1/drones",
  summary: "List the drones",
  responses: { 200: json(ResponseSchema, "Every drone seen recently."), ...errorResponses },
});

export const registerV1DronesList = (app: App, { rpc }: Deps) =>
  app.openapi(route, async (c) =>
    c.json(await rpc.call<{ items: DroneView[] }>("coordinator", "drones.list", {}, callerOf(c)), 200),
  );
