/**
 * @module The drone's work loop: take jobs from the pool's shared durable consumer (up to
 * `capacity` at once), keep each lease alive while it runs, report the run as events, ack the
 * job when its outcome is recorded. A heartbeat in NATS KV tells the fleet this drone is alive.
 * Draining stops the pulling (once the pull in flight has settled) and lets current jobs finish.
 */
import {
  attemptOf,
  CONSUMERS,
  type DroneControlReply,
  type DroneHeartbeat,
  eventSubject,
  type Job,
  JobSchema,
  type RunEvent,
  recordsSubject,
  runEventMessageId,
  STREAMS,
} from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import type { Consumer, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { runJob } from "./runner.js";
import { TokenCache } from "./source/oauth2.js";
import { envSecrets, type SecretSource } from "./source/secrets.js";

export interface WorkerOptions {
  id: string;
  pool: string;
  capacity: number;
  leaseMs: number;
  heartbeatMs: number;
  batchRecords: number;
  version: string;
  host: string;
  labels?: Record<string, string>;
  /** Where `${secret:NAME}` values come from. */
  secrets?: SecretSource;
}

export class Worker {
  private running = true;
  private draining = false;
  private readonly current = new Map<string, Promise<void>>();
  /** Run ids of the jobs in `current`, for the heartbeat. */
  private readonly currentRuns = new Map<string, string>();
  private readonly counters = { succeeded: 0, failed: 0 };
  private readonly startedAt = new Date().toISOString();
  private loop: Promise<void> | undefined;
  /** The pull waiting for a job, if any: a drain waits for it, since it may still bring one. */
  private pulling: Promise<JsMsg | null> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Wakes the loop when a slot frees, or on resume or stop. */
  private wake: (() => void) | undefined;
  /** OAuth2 tokens, shared by every run on this drone until they expire. */
  private readonly tokens = new TokenCache();

  constructor(
    private readonly js: JetStreamClient,
    private readonly kv: KV,
    private readonly logger: Logger,
    private readonly options: WorkerOptions,
  ) {}

  async start(): Promise<void> {
    const consumer = await this.js.consumers.get(STREAMS.jobs.name, CONSUMERS.drones(this.options.pool));
    await this.heartbeat();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.options.heartbeatMs);
    this.loop = this.pull(consumer);
  }

  /**
   * Takes no new jobs and lets the current ones finish. Answers once the pull in flight has
   * settled, so the jobs listed are all this drone will run until it resumes.
   */
  async drain(): Promise<DroneControlReply> {
    if (!this.draining) this.logger.info("draining: finishing current jobs, taking no new ones");
    this.draining = true;
    await this.pulling?.catch(() => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    await this.heartbeat();
    return this.controlState();
  }

  async resume(): Promise<DroneControlReply> {
    if (this.running && this.draining) {
      this.logger.info("resuming: taking jobs again");
      this.draining = false;
      this.wake?.();
      await this.heartbeat();
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

  /** Takes no new jobs, waits for the current ones, removes the heartbeat. */
  async stop(): Promise<void> {
    this.running = false;
    this.draining = true;
    this.wake?.();
    await this.loop;
    await Promise.allSettled([...this.current.values()]);
    clearInterval(this.heartbeatTimer);
    await this.kv.delete(this.options.id).catch(() => undefined);
  }

  private async pull(consumer: Consumer): Promise<void> {
    while (this.running) {
      if (this.draining || this.current.size >= this.options.capacity) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      let msg: JsMsg | null;
      try {
        this.pulling = consumer.next({ expires: 2_000 });
        msg = await this.pulling;
      } catch (error) {
        if (!this.running) return;
        this.logger.warn({ err: error }, "pulling a job failed");
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      if (!msg) continue;
      const taken = msg;
      const key = `${taken.info.streamSequence}`;
      const task = this.handle(taken, key).finally(() => {
        this.current.delete(key);
        this.currentRuns.delete(key);
        this.wake?.();
      });
      this.current.set(key, task);
    }
  }

  private async handle(msg: JsMsg, key: string): Promise<void> {
    let job: Job;
    try {
      job = JobSchema.parse(msg.json());
    } catch (error) {
      this.logger.error({ err: error, seq: msg.seq }, "dropping a malformed job");
      msg.term();
      return;
    }
    this.currentRuns.set(key, job.runId);
    const attempt = attemptOf(job, msg.info.deliveryCount);
    const log = this.logger.child({ runId: job.runId, profileId: job.profileId, attempt });
    // The lease is AckWait; renew it while the job runs.
    const lease = setInterval(() => msg.working(), Math.max(1_000, Math.floor(this.options.leaseMs / 3)));
    try {
      await this.emit({
        type: "run.started",
        runId: job.runId,
        tenant: job.tenant,
        profileId: job.profileId,
        droneId: this.options.id,
        attempt,
        at: new Date().toISOString(),
      });
      log.info("run started");
      const outcome = await runJob(job, attempt, {
        batchSize: this.options.batchRecords,
        secrets: this.options.secrets ?? envSecrets(),
        tokens: this.tokens,
        publish: async (batch, messageId) => {
          await this.js.publish(recordsSubject(job.tenant, job.profileId), JSON.stringify(batch), {
            msgID: messageId,
          });
        },
      });
      await this.emit({
        type: "run.finished",
        runId: job.runId,
        tenant: job.tenant,
        profileId: job.profileId,
        droneId: this.options.id,
        attempt,
        at: new Date().toISOString(),
        status: outcome.status,
        stats: outcome.stats,
        ...(outcome.error ? { error: outcome.error } : {}),
      });
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
      await msg.ackAck();
    } catch (error) {
      // Could not record the outcome (NATS trouble): let the lease lapse so the job is redelivered.
      log.error({ err: error }, "run could not be completed; the job will be redelivered");
      msg.nak(5_000);
    } finally {
      clearInterval(lease);
    }
  }

  private async emit(event: RunEvent): Promise<void> {
    await this.js.publish(eventSubject("run", event.runId), JSON.stringify(event), {
      msgID: runEventMessageId(event),
    });
  }

  private async heartbeat(): Promise<void> {
    const beat: DroneHeartbeat = {
      id: this.options.id,
      version: this.options.version,
      pool: this.options.pool,
      host: this.options.host,
      ...(this.options.labels ? { labels: this.options.labels } : {}),
      capacity: this.options.capacity,
      startedAt: this.startedAt,
      seenAt: new Date().toISOString(),
      state: this.draining ? "draining" : "active",
      currentJobs: [...this.currentRuns.values()],
      counters: { ...this.counters },
    };
    try {
      await this.kv.put(this.options.id, JSON.stringify(beat));
    } catch (error) {
      this.logger.warn({ err: error }, "heartbeat failed");
    }
  }
}
