/**
 * @module The `FORECASTS` work queue. Jobs (one per spec, series and slot, `Nats-Msg-Id`
 * `<spec>:<series>@<slot>`, so a slot is queued once) are pulled from one durable consumer that
 * every aggregator replica shares, so the replicas share the CPU and each job goes to one of them.
 * A replica pulls only as many as it has free threads; while a fit runs, in-progress acks keep the
 * job's lease, and a replica that dies loses it, so JetStream redelivers the job to another.
 */
import { setTimeout as delay } from "node:timers/promises";
import { type ForecastJob, ForecastJobSchema, forecastJobSubject } from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import type { Consumer, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { type JobOutcome, StoppingError } from "./runner.js";

/** Retries of a failing job (Postgres or NATS trouble) before it goes back to the queue: about 2 minutes. */
const IN_PLACE_RETRIES = 10;
/** How long a lane's pull request waits for a job. */
const PULL_EXPIRES_MS = 2_000;
/**
 * A job handed back by a stopping replica is redelivered after this pause, which outlasts the
 * replica's own pull requests still open: otherwise one of its idle lanes would take the job
 * straight back, and each such delivery counts towards MAX_JOB_DELIVERIES.
 */
const HAND_BACK_DELAY_MS = PULL_EXPIRES_MS + 1_000;

/** Queues one job per series; a job already queued for the same slot is not queued again. */
export async function publishJobs(
  js: JetStreamClient,
  tenant: string,
  specId: string,
  seriesIds: number[],
  slot: string,
  trigger: ForecastJob["trigger"],
): Promise<void> {
  await Promise.all(
    seriesIds.map((seriesId) => {
      const job: ForecastJob = { tenant, specId, seriesId, trigger, slot };
      return js.publish(forecastJobSubject(tenant), JSON.stringify(job), {
        msgID: `${specId}:${seriesId}@${slot}`,
      });
    }),
  );
}

export interface ForecastQueue {
  stop(): Promise<void>;
}

export function startForecastQueue(options: {
  consumer: Consumer;
  /** Jobs fitted at once by this replica: one per worker thread. */
  lanes: number;
  /** The consumer's AckWait; in-progress acks go out every third of it. */
  ackWaitMs: number;
  /** `stopping` aborts when the queue stops: a fit in progress ends and throws StoppingError. */
  run: (job: ForecastJob, delivery: number, stopping: AbortSignal, retrying: boolean) => Promise<JobOutcome>;
  logger: Logger;
}): ForecastQueue {
  const { consumer, logger } = options;
  let running = true;
  const stopping = new AbortController();
  /** A pause that stop() cuts short. */
  const sleep = (ms: number) => delay(ms, undefined, { signal: stopping.signal }).catch(() => undefined);

  async function handle(msg: JsMsg): Promise<void> {
    let job: ForecastJob;
    try {
      job = ForecastJobSchema.parse(msg.json());
    } catch {
      logger.warn({ subject: msg.subject, seq: msg.seq }, "dropping a forecast job that is not one");
      msg.term();
      return;
    }
    const renew = setInterval(() => msg.working(), Math.max(1_000, options.ackWaitMs / 3));
    try {
      // Postgres or NATS failing is retried here, holding the job, so that only an interrupted
      // fit (a crash, a shutdown) counts as another delivery.
      for (let attempt = 0; ; attempt++) {
        try {
          await options.run(job, msg.info.deliveryCount, stopping.signal, attempt > 0);
          msg.ack();
          return;
        } catch (error) {
          if (error instanceof StoppingError || !running) {
            // Redelivered to a replica that is not stopping, which takes the run over.
            msg.nak(HAND_BACK_DELAY_MS);
            return;
          }
          if (attempt >= IN_PLACE_RETRIES) {
            // Still failing: let it go back to the queue (a delivery) and free this lane.
            logger.error({ err: error, job }, "a forecast job keeps failing; it goes back to the queue");
            msg.nak(60_000);
            return;
          }
          const waitMs = Math.min(15_000, 1_000 * 2 ** attempt);
          logger.error({ err: error, job, waitMs }, "a forecast job failed; retrying");
          await sleep(waitMs);
        }
      }
    } finally {
      clearInterval(renew);
    }
  }

  const lane = async () => {
    while (running) {
      try {
        const msg = await consumer.next({ expires: PULL_EXPIRES_MS });
        // A job that arrives as the queue stops is handed back without being started.
        if (msg && !running) msg.nak(HAND_BACK_DELAY_MS);
        else if (msg) await handle(msg);
      } catch (error) {
        if (!running) return;
        logger.warn({ err: error }, "pulling forecast jobs failed");
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  const lanes = Array.from({ length: Math.max(1, options.lanes) }, lane);
  return {
    async stop() {
      running = false;
      stopping.abort();
      await Promise.all(lanes);
    },
  };
}
