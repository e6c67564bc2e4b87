/**
 * @module Fleet control, answered by the coordinator: pause, resume and run a profile now,
 * show, override and clear its schedule; drain and resume a drone. Every change is stored by
 * the coordinator (Postgres for schedules, the drone itself for drains), so any gateway and any
 * coordinator replica may take it.
 */
import {
  type DroneView,
  DroneViewSchema,
  type ProfileSchedule,
  ProfileScheduleSchema,
  type Run,
  RunSchema,
  ScheduleSpecSchema,
} from "@chartly/contracts";
import { createRoute } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { callerOf, type Deps } from "../context.js";
import { errorResponses, IdParamSchema, json } from "./openapi.js";

export type FleetScheduleResponse = ProfileSchedule;
export type FleetRunResponse = Run;
export type FleetDroneResponse = DroneView;

const profileRoute = (
  method: "get" | "post" | "put" | "delete",
  suffix: string,
  operationId: string,
  summary: string,
) =>
  createRoute({
    operationId,
    tags: ["schedules"],
    method,
    path: `/api/v1/profiles/{id}/${suffix}`,
    summary,
    request: { params: IdParamSchema },
    responses: { 200: json(ProfileScheduleSchema, "The profile's schedule."), ...errorResponses },
  });

const pauseRoute = profileRoute("post", "pause", "profiles.pause", "Pause a profile's schedule");
const resumeRoute = profileRoute("post", "resume", "profiles.resume", "Resume a profile's schedule");
const getScheduleRoute = profileRoute("get", "schedule", "profiles.schedule.get", "Get a profile's schedule");
const clearScheduleRoute = profileRoute(
  "delete",
  "schedule",
  "profiles.schedule.clear",
  "Remove a schedule override",
);

const setScheduleRoute = createRoute({
  operationId: "profiles.schedule.set",
  tags: ["schedules"],
  method: "put",
  path: "/api/v1/profiles/{id}/schedule",
  summary: "Override a profile's schedule",
  description:
    "`every` (with `jitter`) or `cron` (with `timezone`), and `maxAttempts`; replaces the profile's own schedule until removed.",
  request: {
    params: IdParamSchema,
    body: { content: { "application/json": { schema: ScheduleSpecSchema } }, required: true },
  },
  responses: { 200: json(ProfileScheduleSchema, "The profile's schedule."), ...errorResponses },
});

const runRoute = createRoute({
  operationId: "profiles.run",
  tags: ["schedules"],
  method: "post",
  path: "/api/v1/profiles/{id}/run",
  summary: "Run a profile now",
  request: { params: IdParamSchema },
  responses: { 202: json(RunSchema, "The queued run."), ...errorResponses },
});

const droneRoute = (action: "drain" | "resume", summary: string) =>
  createRoute({
    operationId: `drones.${action}`,
    tags: ["drones"],
    method: "post",
    path: `/api/v1/drones/{id}/${action}`,
    summary,
    request: { params: IdParamSchema },
    responses: { 200: json(DroneViewSchema, "The drone."), ...errorResponses },
  });

const drainRoute = droneRoute("drain", "Drain a drone: finish current jobs, take no new ones");
const resumeDroneRoute = droneRoute("resume", "Let a drained drone take jobs again");

export function registerFleetRoutes(app: App, { rpc }: Deps): void {
  const schedule = (method: string, payload: object, c: Parameters<typeof callerOf>[0]) =>
    rpc.call<ProfileSchedule>("coordinator", method, payload, callerOf(c));

  app.openapi(pauseRoute, async (c) =>
    c.json(await schedule("profiles.pause", { profileId: c.req.valid("param").id }, c), 200),
  );
  app.openapi(resumeRoute, async (c) =>
    c.json(await schedule("profiles.resume", { profileId: c.req.valid("param").id }, c), 200),
  );
  app.openapi(getScheduleRoute, async (c) =>
    c.json(await schedule("profiles.schedule.get", { profileId: c.req.valid("param").id }, c), 200),
  );
  app.openapi(clearScheduleRoute, async (c) =>
    c.json(await schedule("profiles.schedule.clear", { profileId: c.req.valid("param").id }, c), 200),
  );
  app.openapi(setScheduleRoute, async (c) => {
    const payload = { profileId: c.req.valid("param").id, schedule: c.req.valid("json") };
    return c.json(await schedule("profiles.schedule.set", payload, c), 200);
  });
  app.openapi(runRoute, async (c) => {
    const payload = { profileId: c.req.valid("param").id };
    return c.json(await rpc.call<Run>("coordinator", "runs.trigger", payload, callerOf(c)), 202);
  });
  app.openapi(drainRoute, async (c) => {
    const payload = { id: c.req.valid("param").id };
    return c.json(await rpc.call<DroneView>("coordinator", "drones.drain", payload, callerOf(c)), 200);
  });
  app.openapi(resumeDroneRoute, async (c) => {
    const payload = { id: c.req.valid("param").id };
    return c.json(await rpc.call<DroneView>("coordinator", "drones.resume", payload, callerOf(c)), 200);
  });
}
