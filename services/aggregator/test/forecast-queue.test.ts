import { CONSUMERS, type ForecastJob, STREAMS } from "@chartly/contracts";
import { ensurePullConsumer, ensureStreams } from "@chartly/platform";
import { type NatsServer, startNatsServer, waitFor } from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishJobs, startForecastQueue } from "../src/forecast/queue.js";
import { type JobOutcome, StoppingError } from "../src/forecast/runner.js";

describe("the forecast queue", () => {
  let nats: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    const jsm = await ensureStreams(nc, ["forecasts"]);
    await ensurePullConsumer(jsm, STREAMS.forecasts.name, CONSUMERS.aggregatorForecasts, {
      ackWaitMs: 30_000,
    });
  });
  afterAll(async () => {
    await nc.close();
    await nats.stop();
  });

  const queue = async (
    lanes: number,
    run: (job: ForecastJob, delivery: number, stopping: AbortSignal) => Promise<JobOutcome>,
  ) =>
    startForecastQueue({
      consumer: await jetstream(nc).consumers.get(STREAMS.forecasts.name, CONSUMERS.aggregatorForecasts),
      lanes,
      ackWaitMs: 30_000,
      run,
      logger: pino({ level: "silent" }),
    });

  it("hands a job back on shutdown to another replica, not to its own idle lanes, with one delivery spent", async () => {
    // A replica with three threads: one fits the job until the replica stops, two wait for work.
    const stoppingDeliveries: number[] = [];
    const stopping = await queue(3, async (_job, delivery, signal) => {
      stoppingDeliveries.push(delivery);
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve));
      throw new StoppingError();
    });
    await publishJobs(jetstream(nc), "acme", "spec-1", [7], "2026-03-01T00:00:00.000Z", "schedule");
    await waitFor("the fit to start", async () => (stoppingDeliveries.length === 1 ? true : undefined));
    await stopping.stop();

    const otherDeliveries: number[] = [];
    const other = await queue(1, async (_job, delivery) => {
      otherDeliveries.push(delivery);
      return "succeeded";
    });
    try {
      await waitFor("the other replica to take the job", async () =>
        otherDeliveries.length === 1 ? true : undefined,
      );
      expect(stoppingDeliveries).toEqual([1]);
      expect(otherDeliveries).toEqual([2]);
    } finally {
      await other.stop();
    }
  });
});
