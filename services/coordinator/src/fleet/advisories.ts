/**
 * @module Jobs that ran out of deliveries: JetStream announces a message delivered MaxDeliver
 * times without an ack (its drones kept dying or losing their lease); the run is dead and the
 * message, which a work queue would otherwise keep, is removed. Replicas share the advisories
 * in a queue group, so each is handled once.
 */
import { JobSchema, maxDeliveriesAdvisorySubject, STREAMS } from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { z } from "zod";
import type { RunKeeper } from "../runs/keeper.js";

const AdvisorySchema = z.object({ stream_seq: z.number().int().positive(), deliveries: z.number().int() });

export function watchMaxDeliveries(
  nc: NatsConnection,
  jsm: JetStreamManager,
  keeper: RunKeeper,
  logger: Logger,
): Subscription {
  const stream = STREAMS.jobs.name;
  const handle = async (data: unknown) => {
    const advisory = AdvisorySchema.safeParse(data);
    if (!advisory.success) return;
    const { stream_seq: seq, deliveries } = advisory.data;
    const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    const job = message ? JobSchema.safeParse(message.json()) : undefined;
    if (!job?.success) return;
    await keeper.markDead(job.data.runId, {
      code: "max_deliveries",
      message: `the job was delivered ${deliveries} times and no drone finished it: its drones kept dying or losing their lease`,
    });
    await jsm.streams.deleteMessage(stream, seq).catch(() => false);
  };
  return nc.subscribe(maxDeliveriesAdvisorySubject(stream), {
    queue: "coordinator",
    callback: (error, msg) => {
      if (error) return;
      let data: unknown;
      try {
        data = msg.json();
      } catch {
        return;
      }
      handle(data).catch((cause) =>
        logger.error({ err: cause }, "handling a max-deliveries advisory failed"),
      );
    },
  });
}
