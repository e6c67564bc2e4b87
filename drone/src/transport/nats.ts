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
  ) {}

  async lease(waitMs: number): Promise<Lease | null> {
    const msg = await this.consumer.next({ expires: Math.max(1_000, waitMs) });
    return msg ? natsLease(this.js, msg, this.leaseMs) : null;
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

function natsLease(js: JetStreamClient, msg: JsMsg, leaseMs: number): Lease {
  let payload: unknown;
  try {
    payload = msg.json();
  } catch {
    // Not JSON: the worker rejects it as a malformed job.
  }
  return {
    payload,
    deliveryCount: msg.info.deliveryCount,
    key: `${msg.info.streamSequence}`,
    renewEveryMs: Math.max(1_000, Math.floor(leaseMs / 3)),
    renew: () => msg.working(),
    // An in-progress ack is never answered, so a lapsed lease cannot be told from a live one.
    lost: new AbortController().signal,
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
    complete: async () => {
      await msg.ackAck();
    },
    release: (delayMs) => msg.nak(delayMs),
    reject: () => msg.term(),
  };
}
