/** @module Drones as the fleet sees them: what a heartbeat says. */
import { z } from "zod";

export const DroneHeartbeatSchema = z.object({
  id: z.string(),
  version: z.string(),
  pool: z.string(),
  host: z.string(),
  capacity: z.number().int().positive(),
  startedAt: z.iso.datetime(),
  seenAt: z.iso.datetime(),
  state: z.enum(["active", "draining"]),
  currentJobs: z.array(z.string()),
  counters: z.object({ succeeded: z.number().int(), failed: z.number().int() }),
});
export type DroneHeartbeat = z.infer<typeof DroneHeartbeatSchema>;
export type DroneView = DroneHeartbeat & { status: "alive" | "lost" };
