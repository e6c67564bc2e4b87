import { type NatsServer, startNatsServer } from "@chartly/testkit";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Deliveries, deliveryOf } from "../src/index.js";

const ack = (count: number, seq = 42) =>
  `$JS.ACK.JOBS.drones-edge.${count}.${seq}.${seq + count}.1732700000000000000.0`;

describe("job deliveries", () => {
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

  it("are read from ack subjects, with or without a domain", () => {
    expect(deliveryOf(ack(2))).toEqual({ consumer: "drones-edge", seq: 42, count: 2 });
    expect(deliveryOf("$JS.ACK.hub.ACCHASH.JOBS.drones-edge.3.7.9.1732700000000000000.0.tok")).toEqual({
      consumer: "drones-edge",
      seq: 7,
      count: 3,
    });
    expect(deliveryOf("_INBOX.abc")).toBeUndefined();
    expect(deliveryOf("$JS.ACK.JOBS.drones-edge.x.7.9.1.0")).toBeUndefined();
  });

  it("tell a lease that was delivered again from the newer one, and never block the newer one", async () => {
    const deliveries = await Deliveries.open(nc);
    await deliveries.taken(ack(1));
    expect(await deliveries.isCurrent(ack(1))).toBe(true);
    await deliveries.taken(ack(2));
    expect([await deliveries.isCurrent(ack(1)), await deliveries.isCurrent(ack(2))]).toEqual([false, true]);
    // Another job's deliveries are its own.
    expect(await deliveries.isCurrent(ack(1, 43))).toBe(true);
    // A record written late by the older delivery leaves the newer one free to act.
    await deliveries.taken(ack(1));
    expect(await deliveries.isCurrent(ack(2))).toBe(true);
    await deliveries.done(ack(2));
    expect(await deliveries.isCurrent(ack(1))).toBe(true);
  });
});
