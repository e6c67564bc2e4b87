/** @module Drones as the fleet sees them: what a heartbeat says. */
import { z } from "zod";

export const DroneHeartbeatSchema = z.object({
  id: z.string(),
  version: z.string(),
  pool: z.string(),
  host: z.string(),
  /** What the drone declares about itself (`region=eu`, `zone=dmz`); shown, not yet matched. */
  labels: z.record(z.string(), z.string()).optional(),
  capacity: z.number().int().positive(),
  startedAt: z.iso.datetime(),
  seenAt: z.iso.datetime(),
  /** `draining`: finishes its current jobs and takes no new ones. */
  state: z.enum(["active", "draining"]),
  currentJobs: z.array(z.string()),
  counters: z.object({ succeeded: z.number().int(), failed: z.number().int() }),
});
export type DroneHeartbeat = z.infer<typeof DroneHeartbeatSchema>;
/** `lost`: no heartbeat within the liveness window; its running runs are re-queued. */
export const DroneViewSchema = DroneHeartbeatSchema.extend({ status: z.enum(["alive", "lost"]) });
export type DroneView = z.infer<typeof DroneViewSchema>;

/** What a drone answers to `drain` and `resume`. */
export const DroneControlReplySchema = z.object({
  id: z.string(),
  state: z.enum(["active", "draining"]),
  currentJobs: z.array(z.string()),
});
export type DroneControlReply = z.infer<typeof DroneControlReplySchema>;
