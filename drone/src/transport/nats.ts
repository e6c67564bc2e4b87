/**
 * @module The control plane over NATS: jobs from the pool's durable pull consumer on `JOBS`
 * (the lease is the consumer's AckWait, renewed with in-progress acks), batches to `RECORDS` and
 * run events to `EVENTS` under their message ids, the heartbeat in the `chartly_drones` bucket
 * and the operator's drain in `chartly_drains`.
 */
import {
  type DroneHeartbeat,
  eventSubject,
  type RecordBatch,
  type RunEvent,
  recordsSubject,
  runEventMessageId,
} from "@chartly/contracts";
import { ackSubjectOf, type Deliveries } from "@chartly/platform";
import type { Consumer, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { ControlPlane, HeartbeatAnswer, Lease } from "./types.js";

export class NatsControlPlane implements ControlPlane {
  constructor(
    private readonly js: JetStreamClient,
    private readonly consumer: Consumer,
    private readonly drones: KV,
    private readonly drains: KV,
    private readonly leaseMs: number,
    private readonly deliveries: Deliveries,
  ) {}

  async lease(waitMs: number): Promise<Lease | null> {
    const msg = await this.consumer.next({ expires: Math.max(1_000, waitMs) });
    if (!msg) return null;
    const consumer = msg.info.consumer;
    try {
      await this.deliveries.taken(consumer, msg);
    } catch (error) {
      msg.nak();
      throw error;
    }
    return natsLease(this.js, msg, this.leaseMs, () =>
      this.deliveries.isCurrent(consumer, msg.seq, ackSubjectOf(msg)),
    );
  }

  async heartbeat(beat: DroneHeartbeat): Promise<HeartbeatAnswer | undefined> {
    await this.drones.put(beat.id, JSON.stringify(beat));
    const drain = await this.drains.get(beat.id);
    return { draining: drain?.operation === "PUT" };
  }

  async leave(droneId: string): Promise<void> {
    await this.drones.delete(droneId);
  }

  async close(): Promise<void> {}
}

/**
 * A delivery as a lease. `current` says whether it is still the job's latest delivery: once a
 * lapsed lease's job went to another drone, acting on this one would act on that delivery, so
 * the lease then renews, completes and hands back nothing (the newer delivery decides the run).
 */
function natsLease(js: JetStreamClient, msg: JsMsg, leaseMs: number, current: () => Promise<boolean>): Lease {
  let payload: unknown;
  try {
    payload = msg.json();
  } catch {
    // Not JSON: the worker rejects it as a malformed job.
  }
  /** Runs `act` if this delivery is still the current one; a failed check is taken as yes. */
  const ifCurrent = async (act: () => unknown) => {
    if (await current().catch(() => true)) await act();
  };
  return {
    payload,
    deliveryCount: msg.info.deliveryCount,
    key: `${msg.info.streamSequence}`,
    renewEveryMs: Math.max(1_000, Math.floor(leaseMs / 3)),
    renew: () => void ifCurrent(() => msg.working()).catch(() => undefined),
    publishBatch: async (batch: RecordBatch, messageId: string) => {
      await js.publish(recordsSubject(batch.tenant, batch.profileId), JSON.stringify(batch), {
        msgID: messageId,
      });
    },
    emit: async (event: RunEvent) => {
      await js.publish(eventSubject("run", event.runId), JSON.stringify(event), {
        msgID: runEventMessageId(event),
      });
    },
    complete: () => ifCurrent(() => msg.ackAck()),
    release: (delayMs) => void ifCurrent(() => msg.nak(delayMs)).catch(() => undefined),
    reject: () => void ifCurrent(() => msg.term()).catch(() => undefined),
  };
}
