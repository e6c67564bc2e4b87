/**
 * @module The gateway's side of edge drones: it takes jobs from a pool's durable pull consumer on
 * their behalf and acts on a lease only through the delivery's ack subject, carried in the signed
 * token. Nothing about a lease is kept here, so any replica serves any step of it.
 */
import {
  CONSUMERS,
  type DroneHeartbeat,
  eventSubject,
  jobSubject,
  type RecordBatch,
  type RunEvent,
  recordsSubject,
  runEventMessageId,
  STREAMS,
} from "@chartly/contracts";
import {
  AppError,
  Deliveries,
  ensurePullConsumer,
  ensureStreams,
  type Logger,
  openDrainBucket,
  openDroneBucket,
} from "@chartly/platform";
import {
  type Consumer,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { type NatsConnection, RequestError } from "@nats-io/transport-node";
import type { LeaseClaims, LeaseSigner } from "./lease-token.js";

/** Ack-protocol payloads JetStream understands on a delivery's reply subject. */
const WORKING = "+WPI";
const ACK = "+ACK";
const TERM = "+TERM";
const nak = (delayMs: number) =>
  delayMs > 0 ? `-NAK ${JSON.stringify({ delay: delayMs * 1_000_000 })}` : "-NAK";

/** The ack subject of a delivery, which the client keeps but does not type. */
const ackSubjectOf = (msg: JsMsg): string => (msg as unknown as { reply: string }).reply;

export interface TakenJob {
  msg: JsMsg;
  ackSubject: string;
  ackWaitMs: number;
}

/** How long the gateway trusts what it read of a pool's consumer (its lease time). */
const CONSUMER_REFRESH_MS = 60_000;

export class DroneBroker {
  private readonly consumers = new Map<
    string,
    { opened: number; found: Promise<{ consumer: Consumer; ackWaitMs: number }> }
  >();
  private readonly js: JetStreamClient;

  private constructor(
    private readonly nc: NatsConnection,
    readonly signer: LeaseSigner,
    private readonly drones: KV,
    private readonly drains: KV,
    private readonly deliveries: Deliveries,
    private readonly logger: Logger | undefined,
  ) {
    this.js = jetstream(nc);
  }

  static async open(nc: NatsConnection, signer: LeaseSigner, logger?: Logger): Promise<DroneBroker> {
    await ensureStreams(nc, ["jobs"]);
    return new DroneBroker(
      nc,
      signer,
      await openDroneBucket(nc),
      await openDrainBucket(nc),
      await Deliveries.open(nc),
      logger,
    );
  }

  /** Waits up to `waitMs` for a job of `pool`. */
  async take(pool: string, leaseMs: number, waitMs: number): Promise<TakenJob | null> {
    const { consumer, ackWaitMs } = await this.consumerOf(pool, leaseMs);
    let msg: JsMsg | null;
    try {
      msg = await consumer.next({ expires: waitMs });
    } catch (error) {
      // The consumer may have been removed: look it up again next time.
      this.consumers.delete(pool);
      throw new AppError("unavailable", `the queue of pool ${pool} could not be read`, undefined, {
        cause: error,
      });
    }
    if (!msg) return null;
    const ackSubject = ackSubjectOf(msg);
    // Without the record this lease is unguarded against a later one, nothing worse: going on
    // beats handing the job back, which would spend one of its deliveries.
    await this.deliveries.taken(ackSubject).catch((error) => {
      this.logger?.warn({ err: error, pool }, "a lease could not be recorded; it goes out unguarded");
    });
    return { msg, ackSubject, ackWaitMs };
  }

  async renew(claims: LeaseClaims): Promise<void> {
    await this.mustBeCurrent(claims);
    this.nc.publish(claims.reply, WORKING);
  }

  async release(claims: LeaseClaims, delayMs: number, terminate: boolean): Promise<void> {
    await this.mustBeCurrent(claims);
    this.nc.publish(claims.reply, terminate ? TERM : nak(delayMs));
    if (terminate) await this.forget(claims.reply);
  }

  /** Acks the job and waits for JetStream to confirm, so the drone may forget it. */
  async complete(claims: LeaseClaims): Promise<void> {
    await this.mustBeCurrent(claims);
    try {
      await this.nc.request(claims.reply, ACK, { timeout: 5_000 });
    } catch (error) {
      if (error instanceof RequestError && error.isNoResponders()) {
        throw new AppError("conflict", `the queue of pool ${claims.pool} no longer exists; the job is gone`);
      }
      throw new AppError(
        "unavailable",
        "JetStream did not confirm the completion; send it again",
        undefined,
        {
          cause: error,
        },
      );
    }
    await this.forget(claims.reply);
  }

  /**
   * Refuses a lease whose job lapsed and was delivered again through the gateway (to this drone
   * or another): the newer delivery decides the run.
   */
  private async mustBeCurrent(claims: LeaseClaims): Promise<void> {
    let current: boolean;
    try {
      current = await this.deliveries.isCurrent(claims.reply);
    } catch (error) {
      throw new AppError("unavailable", "the lease could not be checked; send it again", undefined, {
        cause: error,
      });
    }
    if (!current) {
      throw new AppError(
        "conflict",
        `the lease of run ${claims.runId} lapsed and its job was delivered again; the newer delivery decides the run`,
      );
    }
  }

  /** A finished job's record is only a safeguard: losing it to a failure costs nothing but its TTL. */
  private async forget(reply: string): Promise<void> {
    await this.deliveries.done(reply).catch(() => undefined);
  }

  /** Publishes a batch under the run's attempt; true when JetStream already had it. */
  async publishBatch(claims: LeaseClaims, batch: RecordBatch): Promise<boolean> {
    const ack = await this.js.publish(
      recordsSubject(claims.tenant, claims.profileId),
      JSON.stringify(batch),
      {
        msgID: `${claims.runId}:${claims.attempt}:${batch.batch}`,
      },
    );
    return ack.duplicate;
  }

  async publishEvent(event: RunEvent): Promise<boolean> {
    const ack = await this.js.publish(eventSubject("run", event.runId), JSON.stringify(event), {
      msgID: runEventMessageId(event),
    });
    return ack.duplicate;
  }

  /** Stores the heartbeat; answers whether an operator drained the drone. */
  async heartbeat(beat: DroneHeartbeat): Promise<{ draining: boolean }> {
    await this.drones.put(beat.id, JSON.stringify(beat));
    const drain = await this.drains.get(beat.id);
    return { draining: drain?.operation === "PUT" };
  }

  async leave(droneId: string): Promise<void> {
    await this.drones.delete(droneId);
  }

  /**
   * The pool's consumer, created with the drone's lease when no drone of the pool made it yet;
   * an existing one keeps its settings (the pool's drones agree on them).
   */
  private consumerOf(pool: string, leaseMs: number) {
    const known = this.consumers.get(pool);
    // Looked up again now and then: NATS drones of the pool may have changed its lease since.
    if (known && Date.now() - known.opened < CONSUMER_REFRESH_MS) return known.found;
    const found = this.openConsumer(pool, leaseMs);
    this.consumers.set(pool, { opened: Date.now(), found });
    found.catch(() => this.consumers.delete(pool));
    return found;
  }

  private async openConsumer(pool: string, leaseMs: number) {
    const durable = CONSUMERS.drones(pool);
    const jsm = await jetstreamManager(this.nc);
    try {
      await jsm.consumers.info(STREAMS.jobs.name, durable);
    } catch {
      await ensurePullConsumer(jsm, STREAMS.jobs.name, durable, {
        filterSubject: jobSubject(pool),
        ackWaitMs: leaseMs,
        maxDeliver: 5,
      });
    }
    const consumer = await this.js.consumers.get(STREAMS.jobs.name, durable);
    const info = await consumer.info(true);
    return { consumer, ackWaitMs: Math.round((info.config.ack_wait ?? leaseMs * 1_000_000) / 1_000_000) };
  }
}
