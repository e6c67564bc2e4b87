/**
 * @module How the drone's work loop talks to the control plane, whichever way it is reached:
 * over NATS (`nats.ts`, drones inside the network) or over the gateway's HTTP drone API
 * (`http.ts`, edge drones). The worker sees leases, never messages or requests.
 */
import type { DroneHeartbeat, RecordBatch, RunEvent } from "@chartly/contracts";

/** One job handed to this drone, until it is completed, released or rejected. */
export interface Lease {
  /** The job as sent; the worker validates it. */
  readonly payload: unknown;
  /** How many times the job has been handed out, this time included. */
  readonly deliveryCount: number;
  /** Tells concurrent leases apart. */
  readonly key: string;
  /** How often `renew` must be called to keep the lease. */
  readonly renewEveryMs: number;
  /** Keeps the lease alive while the job runs; best effort. */
  renew(): void;
  /**
   * Aborted once the control plane says the lease is gone for good: it lapsed and the job went
   * out again, so another delivery owns the run and this one's outcome would be refused. The
   * worker stops the run then, and reports nothing of it.
   */
  readonly lost: AbortSignal;
  /** Publishes one record batch of the job; resolves once it is durable. */
  publishBatch(batch: RecordBatch, messageId: string): Promise<void>;
  /** Publishes one run event of the job; resolves once it is durable. */
  emit(event: RunEvent): Promise<void>;
  /** The outcome is recorded: the job is done. Resolves once that is durable. */
  complete(): Promise<void>;
  /** Hands the job back, to be delivered again after `delayMs`. */
  release(delayMs: number): void;
  /** The job can never run (it does not parse): drops it. */
  reject(): void;
}

/** What the control plane wants of this drone, as it answers a heartbeat. */
export interface HeartbeatAnswer {
  /** An operator drained the drone (and has not resumed it); kept across the drone's restarts. */
  draining: boolean;
}

export interface ControlPlane {
  /** Waits up to about `waitMs` for a job of the drone's pool; null when none came. */
  lease(waitMs: number): Promise<Lease | null>;
  /** Says the drone is alive; undefined when the control plane could not be told. */
  heartbeat(beat: DroneHeartbeat): Promise<HeartbeatAnswer | undefined>;
  /** Removes the drone from the fleet view (a clean stop). */
  leave(droneId: string): Promise<void>;
  /** Releases what the transport holds, after the worker has stopped. */
  close(): Promise<void>;
}
