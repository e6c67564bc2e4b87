import type { DroneHeartbeat } from "@chartly/contracts";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ControlPlane, HeartbeatAnswer, Lease } from "../src/transport/types.js";
import { Worker } from "../src/worker.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A control plane that takes `beatMs` to store a heartbeat, and notes what reached it when. */
class SlowFleet implements ControlPlane {
  readonly seen: string[] = [];
  beatMs = 0;
  inFlight = 0;

  async lease(waitMs: number): Promise<Lease | null> {
    await sleep(Math.min(waitMs, 20));
    return null;
  }

  async heartbeat(_beat: DroneHeartbeat): Promise<HeartbeatAnswer | undefined> {
    this.inFlight++;
    await sleep(this.beatMs);
    this.inFlight--;
    this.seen.push("heartbeat");
    return { draining: false };
  }

  async leave(): Promise<void> {
    this.seen.push("leave");
  }

  async close(): Promise<void> {}
}

describe("a worker stopping", () => {
  it("leaves the fleet only after its last heartbeat landed, and sends none after", async () => {
    const fleet = new SlowFleet();
    const worker = new Worker(fleet, pino({ level: "silent" }), {
      id: "d1",
      pool: "default",
      capacity: 1,
      heartbeatMs: 30,
      batchRecords: 10,
      version: "test",
      host: "test",
      leaseWaitMs: 20,
    });
    await worker.start();
    fleet.beatMs = 150;
    // Stop while a heartbeat is on its way.
    while (fleet.inFlight === 0) await sleep(5);
    await worker.stop();
    await sleep(200);
    expect(fleet.seen.at(-1)).toBe("leave");
    expect(fleet.seen.filter((s) => s === "leave")).toHaveLength(1);
    expect(fleet.inFlight).toBe(0);
  });
});
