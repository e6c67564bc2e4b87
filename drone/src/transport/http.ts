/**
 * @module The control plane over HTTP, for edge drones: jobs are leased from the gateway's drone
 * API (a long poll), and the lease comes back as a signed token any gateway replica accepts.
 * Record batches, run events and the job's completion go to the on-disk outbox first and reach
 * the gateway in order as the link allows, so a run goes on collecting while the control plane
 * is away. Renewing and handing back a lease are best effort: a lease that lapses is redelivered,
 * and the store is idempotent; a renewal refused with 409 (the job went out again meanwhile)
 * marks the lease lost, and the worker stops its run.
 */
import type { DroneHeartbeat, Job } from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import { type DroneApi, DroneApiError } from "../edge/api.js";
import type { Outbox } from "../edge/outbox.js";
import type { OutboxSync } from "../edge/sync.js";
import type { ControlPlane, HeartbeatAnswer, Lease } from "./types.js";

interface LeaseGranted {
  lease: string;
  job: Job;
  deliveryCount: number;
  leaseMs: number;
}

export class HttpControlPlane implements ControlPlane {
  constructor(
    private readonly api: DroneApi,
    private readonly outbox: Outbox,
    private readonly sync: OutboxSync,
    private readonly logger: Logger,
    private readonly drone: { id: string; pool: string; leaseMs: number },
  ) {}

  async lease(waitMs: number): Promise<Lease | null> {
    const granted = await this.api.call<LeaseGranted>(
      "POST",
      "/leases",
      { droneId: this.drone.id, pool: this.drone.pool, waitMs, leaseMs: this.drone.leaseMs },
      waitMs + 10_000,
    );
    return granted ? this.leaseOf(granted) : null;
  }

  async heartbeat(beat: DroneHeartbeat): Promise<HeartbeatAnswer | undefined> {
    return this.api.call<HeartbeatAnswer>("PUT", "/heartbeat", beat);
  }

  async leave(droneId: string): Promise<void> {
    await this.api.call("DELETE", `/heartbeat/${encodeURIComponent(droneId)}`, undefined, 3_000);
  }

  async close(): Promise<void> {}

  private leaseOf(granted: LeaseGranted): Lease {
    const { lease: token } = granted;
    const lost = new AbortController();
    const bestEffort = (path: string, body: object) =>
      void this.api.call("POST", path, { lease: token, ...body }).catch((error: unknown) => {
        if (error instanceof DroneApiError && error.status === 409) {
          // The lease lapsed (the link was down longer than it lasts) and the job went out again.
          if (!lost.signal.aborted) {
            this.logger.warn({ err: error, job: granted.job.runId }, "the lease was superseded");
            lost.abort(new LeaseSupersededError(granted.job.runId));
          }
          return;
        }
        this.logger.debug({ err: error, path }, "a lease call did not reach the control plane");
      });
    const append = async (entry: Parameters<Outbox["append"]>[0]) => {
      await this.outbox.append(entry);
      this.sync.kick();
    };
    return {
      payload: granted.job,
      deliveryCount: granted.deliveryCount,
      key: token.slice(-32),
      renewEveryMs: Math.max(1_000, Math.floor(granted.leaseMs / 3)),
      renew: () => bestEffort("/leases/renew", {}),
      lost: lost.signal,
      // The gateway derives the message id from the signed lease, the same `<run>:<attempt>:<batch>`.
      publishBatch: (batch) => append({ kind: "batch", lease: token, batch }),
      emit: (event) => append({ kind: "event", lease: token, event }),
      complete: () => append({ kind: "complete", lease: token }),
      release: (delayMs) => bestEffort("/leases/release", { delayMs }),
      reject: () => bestEffort("/leases/release", { terminate: true }),
    };
  }
}

/** Why a run stopped: its lease went to another delivery. */
export class LeaseSupersededError extends Error {
  override name = "LeaseSupersededError";
  constructor(runId: string) {
    super(`the lease of run ${runId} lapsed and the job was delivered again`);
  }
}
