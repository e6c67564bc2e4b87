import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { DroneHeartbeat, RunEvent } from "@chartly/contracts";
import { waitFor } from "@chartly/testkit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { ControlPlane, HeartbeatAnswer, Lease } from "../src/transport/types.js";
import { Worker } from "../src/worker.js";
import { jobFor, loopbackGuard } from "./helpers.js";

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

/** Hands out one job, then none; notes what the worker did with the lease. */
class OneJobFleet implements ControlPlane {
  readonly done: string[] = [];
  readonly events: RunEvent["type"][] = [];
  readonly lost = new AbortController();
  private handed = false;

  constructor(private readonly job: unknown) {}

  async lease(waitMs: number): Promise<Lease | null> {
    if (this.handed) {
      await sleep(Math.min(waitMs, 20));
      return null;
    }
    this.handed = true;
    return {
      payload: this.job,
      deliveryCount: 1,
      key: "lease-1",
      renewEveryMs: 60_000,
      renew: () => undefined,
      lost: this.lost.signal,
      publishBatch: async () => undefined,
      emit: async (event) => {
        this.events.push(event.type);
      },
      complete: async () => {
        this.done.push("complete");
      },
      release: () => {
        this.done.push("release");
      },
      reject: () => {
        this.done.push("reject");
      },
    };
  }

  async heartbeat(): Promise<HeartbeatAnswer | undefined> {
    return { draining: false };
  }

  async leave(): Promise<void> {}

  async close(): Promise<void> {}
}

describe("a worker whose lease is lost", () => {
  it("stops the run at once and reports neither its end nor its completion", async () => {
    // A source that never answers: only the lost lease can end the run.
    const requests: string[] = [];
    const source = createServer((req) => {
      requests.push(req.url ?? "");
    });
    await new Promise<void>((resolve) => source.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(source.address() as AddressInfo).port}/data`;
    const fleet = new OneJobFleet(jobFor({ url }));
    const worker = new Worker(fleet, pino({ level: "silent" }), {
      id: "d1",
      pool: "default",
      capacity: 1,
      heartbeatMs: 60_000,
      batchRecords: 10,
      version: "test",
      host: "test",
      leaseWaitMs: 20,
      guard: loopbackGuard,
    });
    try {
      await worker.start();
      await waitFor(
        "the run to ask its source",
        async () => (requests.length > 0 ? true : undefined),
        10_000,
        10,
      );
      expect(fleet.events).toEqual(["run.started"]);

      fleet.lost.abort(new Error("the job was delivered again"));
      const stopping = Date.now();
      await worker.stop();
      // The source's request was abandoned, not waited out (its timeout is 30 s).
      expect(Date.now() - stopping).toBeLessThan(5_000);
      expect(fleet.events).toEqual(["run.started"]);
      expect(fleet.done).toEqual([]);
    } finally {
      source.closeAllConnections();
      await new Promise<void>((resolve) => source.close(() => resolve()));
    }
  });
});
