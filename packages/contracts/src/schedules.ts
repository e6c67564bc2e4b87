/** @module A profile's schedule as the coordinator keeps it: paused or not, and any override. */
import { z } from "zod";
import { ScheduleSpecSchema } from "./profile.js";

/** The schedule state of one profile, as `GET /api/v1/profiles/:id/schedule` shows it. */
export const ProfileScheduleSchema = z.object({
  profileId: z.string(),
  paused: z.boolean(),
  pausedAt: z.string().nullable(),
  /** Replaces the profile's own `schedule` until it is cleared. */
  override: ScheduleSpecSchema.nullable(),
  /** What the clock follows: the override, else the profile's schedule. */
  effective: ScheduleSpecSchema,
  /** The next slot the clock will queue (none while paused). */
  nextSlot: z.string().nullable(),
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type ProfileSchedule = z.infer<typeof ProfileScheduleSchema>;

export const ProfileRefSchema = z.object({ profileId: z.string().min(1) });

export const ScheduleOverrideSchema = z.object({
  profileId: z.string().min(1),
  schedule: ScheduleSpecSchema,
});
export type ScheduleOverride = z.infer<typeof ScheduleOverrideSchema>;
