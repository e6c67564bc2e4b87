/**
 * @module The drone's work loop: lease jobs from the control plane (up to `capacity` at once),
 * keep each lease alive while it runs, report the run as events, complete the job when its
 * outcome is recorded. A heartbeat tells the fleet this drone is alive and answers whether an
 * operator drained it. Draining stops leasing (once the lease request in flight has settled) and
 * lets current jobs finish. The control plane is reached over NATS or HTTP (`transport/`); this
 * loop is the same for both.
 */
import {
  attemptOf,
  type DroneControlReply,
  type DroneHeartbeat,
  type Job,
  JobSchema,
  type RunEvent,
} from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import { runJob } from "./runner.js";
import type { AddressGuard } from "./source/guard.js";
import { TokenCache } from "./source/oauth2.js";
import { envSecrets, type SecretSource } from "./source/secrets.js";
import type { ControlPlane, Lease } from "./transport/types.js";

export interface WorkerOptions {
  id: string;
  pool: string;
  capacity: number;
  heartbeatMs: number;
  batchRecords: number;
  version: string;
  host: string;
  labels?: Record<string, string>;
  /** Where `${secret:NAME}` values come from. */
  secrets?: SecretSource;
  /** What sources may connect to (the drone's allowlist); only public addresses by default. */
  guard?: AddressGuard;
  /** How long one lease request may wait for a job. */
  leaseWaitMs?: number;
  /** Extra heartbeat fields (an edge drone's outbox). */
  describe?: () => Partial<DroneHeartbeat>;
}

/** Waits after a failed lease request, doubling up to the cap while the control plane is away. */
const LEASE_RETRY_MS = { first: 1_000, max: 10_000 };

export class Worker {
  private running = true;
  private draining = false;
  private readonly current = new Map<string, Promise<void>>();
  /** Run ids of the jobs in `current`, for the heartbeat. */
  private readonly currentRuns = new Map<string, string>();
  private readonly counters = { succeeded: 0, failed: 0 };
  private readonly startedAt = new Date().toISOString();
  private loop: Promise<void> | undefined;
  /** The lease request waiting for a job, if any: a drain waits for it, since it may still bring one. */
  private leasing: Promise<Lease | null> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeatFailing = false;
  /** Heartbeats on their way: leaving waits for them, or one landing late would bring the drone back. */
  private readonly beating = new Set<Promise<void>>();
  private left = false;
  /** Wakes the loop when a slot frees, or on resume or stop. */
  private wake: (() => void) | undefined;
  /** OAuth2 tokens, shared by every run on this drone until they expire. */
  private readonly tokens = new TokenCache();

  constructor(
    private readonly controlPlane: ControlPlane,
    private readonly logger: Logger,
    private readonly options: WorkerOptions,
  ) {}

  async start(): Promise<void> {
    // The first heartbeat says whether this drone was drained before it (re)started.
    await this.heartbeat();
    if (this.draining) this.logger.info("starting drained: an operator drained this drone");
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatMs);
    this.loop = this.pull();
  }

  /**
   * Takes no new jobs and lets the current ones finish. Answers once the lease request in flight
   * has settled, so the jobs listed are all this drone will run until it resumes.
   */
  async drain(): Promise<DroneControlReply> {
    if (!this.draining) this.logger.info("draining: finishing current jobs, taking no new ones");
    this.draining = true;
    await this.leasing?.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    await this.heartbeat(false);
    return this.controlState();
  }

  async resume(): Promise<DroneControlReply> {
    if (this.running && this.draining) {
      this.logger.info("resuming: taking jobs again");
      this.draining = false;
      this.wake?.();
      await this.heartbeat(false);
    }
    return this.controlState();
  }

  private controlState(): DroneControlReply {
    return {
      id: this.options.id,
      state: this.draining ? "draining" : "active",
      currentJobs: [...this.currentRuns.values()],
    };
  }

  /** Takes no new jobs, waits for the current ones, leaves the fleet view. */
  async stop(): Promise<void> {
    this.running = false;
    this.draining = true;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.current.values()]);
    clearInterval(this.heartbeatTimer);
    this.left = true;
    await Promise.allSettled([...this.beating]);
    await this.controlPlane.leave(this.options.id).catch(() => undefined);
  }

  private async pull(): Promise<void> {
    let retryMs = LEASE_RETRY_MS.first;
    while (this.running) {
      if (this.draining || this.current.size >= this.options.capacity) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      let lease: Lease | null;
      try {
        this.leasing = this.controlPlane.lease(this.options.leaseWaitMs ?? 2_000);
        lease = await this.leasing;
        retryMs = LEASE_RETRY_MS.first;
      } catch (error) {
        if (!this.running) return;
        // Said at the start of an outage; the retries that follow are quieter.
        if (retryMs === LEASE_RETRY_MS.first) this.logger.warn({ err: error }, "leasing a job failed");
        else this.logger.debug({ err: error, retryInMs: retryMs }, "leasing a job failed again");
        await this.pause(retryMs);
        retryMs = Math.min(LEASE_RETRY_MS.max, retryMs * 2);
        continue;
      } finally {
        this.leasing = undefined;
      }
      if (!lease) continue;
      if (!this.running) {
        // Came in while the drone was stopping: another drone takes it now.
        lease.release(0);
        return;
      }
      const taken = lease;
      const task = this.handle(taken).finally(() => {
        this.current.delete(taken.key);
        this.currentRuns.delete(taken.key);
        this.wake?.();
      });
      this.current.set(taken.key, task);
    }
  }

  /** Waits, unless the drone stops meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async handle(lease: Lease): Promise<void> {
    let job: Job;
    try {
      job = JobSchema.parse(lease.payload);
    } catch (error) {
      this.logger.error({ err: error, lease: lease.key }, "dropping a malformed job");
      lease.reject();
      return;
    }
    this.currentRuns.set(lease.key, job.runId);
    const attempt = attemptOf(job, lease.deliveryCount);
    const log = this.logger.child({ runId: job.runId, profileId: job.profileId, attempt });
    const renewal = setInterval(() => lease.renew(), lease.renewEveryMs);
    const about = {
      runId: job.runId,
      tenant: job.tenant,
      profileId: job.profileId,
      droneId: this.options.id,
    };
    try {
      await lease.emit({ type: "run.started", ...about, attempt, at: new Date().toISOString() });
      log.info("run started");
      const outcome = await runJob(job, attempt, {
        batchSize: this.options.batchRecords,
        secrets: this.options.secrets ?? envSecrets(),
        tokens: this.tokens,
        ...(this.options.guard ? { guard: this.options.guard } : {}),
        signal: lease.lost,
        publish: (batch, messageId) => lease.publishBatch(batch, messageId),
      });
      if (lease.lost.aborted) {
        // Another delivery owns the run now; what this one published stays (the store is
        // idempotent), and its outcome would be refused.
        log.warn({ stats: outcome.stats }, "run stopped: its job went to another delivery");
        return;
      }
      const finished: RunEvent = {
        type: "run.finished",
        ...about,
        attempt,
        at: new Date().toISOString(),
        status: outcome.status,
        stats: outcome.stats,
        ...(outcome.error ? { error: outcome.error } : {}),
        ...(outcome.cursor ? { cursor: outcome.cursor } : {}),
      };
      await lease.emit(finished);
      if (outcome.status === "failed") {
        this.counters.failed++;
        log.warn({ error: outcome.error, stats: outcome.stats }, "run failed");
      } else {
        this.counters.succeeded++;
        log.info(
          { stats: outcome.stats, ...(outcome.error ? { reason: outcome.error } : {}) },
          `run ${outcome.status}`,
        );
      }
      await lease.complete();
    } catch (error) {
      // Could not record the outcome: hand the job back so it is delivered again.
      log.error({ err: error }, "run could not be completed; the job will be redelivered");
      lease.release(5_000);
    } finally {
      clearInterval(renewal);
    }
  }

  /**
   * Tells the fleet this drone is alive and follows the operator's drain, which the control
   * plane keeps across restarts. `follow` is false when the beat reports a change just made.
   */
  private heartbeat(follow = true): Promise<void> {
    if (this.left) return Promise.resolve();
    const beat = this.beat(follow);
    this.beating.add(beat);
    return beat.finally(() => this.beating.delete(beat));
  }

  private async beat(follow: boolean): Promise<void> {
    const beat: DroneHeartbeat = {
      id: this.options.id,
      version: this.options.version,
      pool: this.options.pool,
      host: this.options.host,
      ...(this.options.labels ? { labels: this.options.labels } : {}),
      capacity: this.options.capacity,
      startedAt: this.startedAt,
      seenAt: new Date().toISOString(),
      // `draining` once no lease request is in flight: from then on no new job can arrive.
      state: this.draining && !this.leasing ? "draining" : "active",
      currentJobs: [...this.currentRuns.values()],
      counters: { ...this.counters },
      ...this.options.describe?.(),
    };
    try {
      const answer = await this.controlPlane.heartbeat(beat);
      if (this.heartbeatFailing) this.logger.info("heartbeats reach the control plane again");
      this.heartbeatFailing = false;
      if (!follow || !answer || !this.running || answer.draining === this.draining) return;
      if (answer.draining) await this.drain();
      else await this.resume();
    } catch (error) {
      // Said once per outage, not every few seconds while it lasts.
      if (!this.heartbeatFailing) this.logger.warn({ err: error }, "heartbeat failed");
      this.heartbeatFailing = true;
    }
  }
}
