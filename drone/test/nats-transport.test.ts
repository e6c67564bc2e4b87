import { CONSUMERS, STREAMS } from "@chartly/contracts";
import {
  Deliveries,
  ensurePullConsumer,
  ensureStreams,
  openDrainBucket,
  openDroneBucket,
} from "@chartly/platform";
import { type NatsServer, startNatsServer } from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NatsControlPlane } from "../src/transport/nats.js";

describe("the control plane over NATS", () => {
  let nats: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("lets a lease that lapsed, whose job went to another drone, neither complete nor hand back the newer delivery", async () => {
    const pool = "lapse";
    const durable = CONSUMERS.drones(pool);
    const jsm = await ensureStreams(nc, ["jobs"]);
    await ensurePullConsumer(jsm, STREAMS.jobs.name, durable, {
      filterSubject: `chartly.jobs.${pool}`,
      ackWaitMs: 2_000,
      maxDeliver: 5,
    });
    const js = jetstream(nc);
    const drone = async () =>
      new NatsControlPlane(
        js,
        await js.consumers.get(STREAMS.jobs.name, durable),
        await openDroneBucket(nc),
        await openDrainBucket(nc),
        2_000,
        await Deliveries.open(nc),
      );
    const [a, b] = [await drone(), await drone()];
    await js.publish(`chartly.jobs.${pool}`, JSON.stringify({ runId: "r1" }), { msgID: "r1" });
    const pending = async () => (await jsm.consumers.info(STREAMS.jobs.name, durable)).num_ack_pending;

    const stale = await a.lease(3_000);
    expect(stale?.deliveryCount).toBe(1);
    // Not renewed: after its 2 s lease the job goes to the other drone.
    const fresh = await b.lease(5_000);
    expect(fresh?.deliveryCount).toBe(2);

    await stale?.complete();
    stale?.release(0);
    stale?.renew();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Still held by the newer delivery, which completes it.
    expect(await pending()).toBe(1);
    await fresh?.complete();
    expect(await pending()).toBe(0);
    const subject = `chartly.jobs.${pool}`;
    expect(
      (await jsm.streams.info("JOBS", { subjects_filter: subject })).state.subjects?.[subject] ?? 0,
    ).toBe(0);
  });
});
