/** @module Drones as the fleet sees them: what a heartbeat says. */
import { z } from "zod";
import { RecordBatchSchema } from "./records.js";
import { JobSchema, RunEventSchema } from "./runs.js";

/** A drone id: a key of the fleet's heartbeat and drain buckets, so no leading or trailing dot. */
const DRONE_ID = /^(?!\.)[\w.-]{1,100}(?<!\.)$/;
const DRONE_ID_RULE = "must be 1-100 letters, digits, '.', '-' or '_', not starting or ending with '.'";

export const DroneHeartbeatSchema = z.object({
  id: z.string().regex(DRONE_ID, `id ${DRONE_ID_RULE}`),
  version: z.string(),
  pool: z.string(),
  host: z.string(),
  /** What the drone declares about itself (`region=eu`, `zone=dmz`); shown, not matched: `pool` routes. */
  labels: z.record(z.string(), z.string()).optional(),
  capacity: z.number().int().positive(),
  startedAt: z.iso.datetime(),
  seenAt: z.iso.datetime(),
  /** `draining`: finishes its current jobs and takes no new ones. */
  state: z.enum(["active", "draining"]),
  currentJobs: z.array(z.string()),
  counters: z.object({ succeeded: z.number().int(), failed: z.number().int() }),
  /** An edge drone (over HTTP): its outbox of batches and events not yet taken by the gateway. */
  edge: z
    .object({
      outbox: z.object({
        pending: z.number().int().nonnegative(),
        lastSyncAt: z.string().nullable(),
        lastError: z.string().nullable(),
        lastErrorAt: z.string().nullable(),
        /** Entries the gateway refused for good, set aside on the drone. */
        rejected: z.number().int().nonnegative(),
      }),
    })
    .optional(),
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

/*
 * The gateway's drone API (`/api/v1/drone/*`), which edge drones use instead of NATS. A lease is
 * an opaque token signed by the gateway; batches and events are posted with the lease of the job
 * they belong to.
 */

const POOL = /^[\w-]{1,50}$/;

export const DroneLeaseRequestSchema = z.object({
  droneId: z.string().regex(DRONE_ID, `droneId ${DRONE_ID_RULE}`),
  pool: z.string().regex(POOL, "pool must be 1-50 letters, digits, '_' or '-'"),
  /** How long the request may wait for a job (a long poll). */
  waitMs: z.number().int().min(1_000).max(25_000).default(10_000),
  /** The lease the drone asks for, used when its pool's queue is first created. */
  leaseMs: z.number().int().min(3_000).max(600_000).default(60_000),
});
export type DroneLeaseRequest = z.infer<typeof DroneLeaseRequestSchema>;

export const DroneLeaseSchema = z.object({
  /** Renews, completes or hands back the job, and goes with every batch and event of the run. */
  lease: z.string(),
  job: JobSchema,
  /** Deliveries of the job so far, this one included: the attempt is `job.attempt + deliveryCount - 1`. */
  deliveryCount: z.number().int().positive(),
  attempt: z.number().int().positive(),
  /** The lease lapses unless renewed within this time. */
  leaseMs: z.number().int().positive(),
});
export type DroneLease = z.infer<typeof DroneLeaseSchema>;

const LeaseTokenSchema = z.string().min(10).max(4_096);

export const DroneLeaseRefSchema = z.object({ lease: LeaseTokenSchema });

export const DroneLeaseReleaseSchema = z.object({
  lease: LeaseTokenSchema,
  /** Deliver the job again after this long. */
  delayMs: z.number().int().min(0).max(3_600_000).default(0),
  /** The job can never run: remove it instead. */
  terminate: z.boolean().default(false),
});

export const DroneBatchPostSchema = z.object({ lease: LeaseTokenSchema, batch: RecordBatchSchema });
export const DroneEventPostSchema = z.object({ lease: LeaseTokenSchema, event: RunEventSchema });

/** The answer to a heartbeat: what the control plane wants of the drone. */
export const DroneHeartbeatAnswerSchema = z.object({
  /** An operator drained this drone: finish current jobs, take no new ones (kept across restarts). */
  draining: z.boolean(),
});
