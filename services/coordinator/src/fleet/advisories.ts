/**
 * @module Jobs that ran out of deliveries: JetStream announces a message delivered MaxDeliver
 * times without an ack (its drones kept dying or losing their lease); the run is dead and the
 * message, which a work queue would otherwise keep, is removed. The announcements are captured
 * by the `JOBS_ADVISORIES` stream, so one made while no coordinator ran is handled when one
 * starts; replicas share its durable consumer, and an advisory is acked only once handled.
 */
import { CONSUMERS, JobSchema, STREAMS } from "@chartly/contracts";
import { ensurePullConsumer, type Logger } from "@chartly/platform";
import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { z } from "zod";
import type { RunKeeper } from "../runs/keeper.js";

const AdvisorySchema = z.object({ stream_seq: z.number().int().positive(), deliveries: z.number().int() });

export async function consumeMaxDeliveries(
  js: JetStreamClient,
  jsm: JetStreamManager,
  keeper: RunKeeper,
  logger: Logger,
): Promise<{ stop(): Promise<void> }> {
  const stream = STREAMS.jobs.name;
  await ensurePullConsumer(jsm, STREAMS.jobAdvisories.name, CONSUMERS.coordinatorAdvisories, {
    ackWaitMs: 30_000,
  });
  const handle = async (msg: JsMsg) => {
    let data: unknown;
    try {
      data = msg.json();
    } catch {
      msg.term();
      return;
    }
    const advisory = AdvisorySchema.safeParse(data);
    if (!advisory.success) {
      msg.term();
      return;
    }
    const { stream_seq: seq, deliveries } = advisory.data;
    const message = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    const job = message ? JobSchema.safeParse(message.json()) : undefined;
    if (job?.success) {
      await keeper.markDead(job.data.runId, {
        code: "max_deliveries",
        message: `the job was delivered ${deliveries} times and no drone finished it: its drones kept dying or losing their lease`,
      });
      // A job message left behind would sit in JOBS for good (it has no deliveries left): a
      // failed delete sends the advisory back, unless the message is gone anyway.
      await jsm.streams.deleteMessage(stream, seq).catch(async (error: unknown) => {
        if (await jsm.streams.getMessage(stream, { seq }).catch(() => null)) throw error;
      });
    }
    // A job already gone (handled by another replica, or acked at the last moment) needs nothing.
    msg.ack();
  };
  const consumer = await js.consumers.get(STREAMS.jobAdvisories.name, CONSUMERS.coordinatorAdvisories);
  const messages = await consumer.consume({ max_messages: 16 });
  const loop = (async () => {
    for await (const msg of messages) {
      await handle(msg).catch((error: unknown) => {
        logger.error({ err: error }, "handling a max-deliveries advisory failed; it will come again");
        msg.nak(5_000);
      });
    }
  })();
  return {
    async stop() {
      await messages.close();
      await loop;
    },
  };
}
