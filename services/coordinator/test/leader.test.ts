import { startNatsServer } from "@chartly/testkit";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LeaderLease } from "../src/scheduler/leader.js";

const silent = pino({ level: "silent" });
const LEASE_MS = 1_500;

const until = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
};

describe("the leader lease", () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  const connections: NatsConnection[] = [];
  const leases: LeaderLease[] = [];

  const candidate = async (name: string) => {
    const nc = await connect({ servers: nats.url, maxReconnectAttempts: 0 });
    connections.push(nc);
    const changes: boolean[] = [];
    const lease = await LeaderLease.open(nc, name, LEASE_MS, silent, (leader) => changes.push(leader));
    leases.push(lease);
    return { nc, lease, changes };
  };

  // Each test has a server of its own, so the lease starts free.
  beforeEach(async () => {
    nats = await startNatsServer();
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.release();
    for (const nc of connections.splice(0)) if (!nc.isClosed()) await nc.close();
    await nats.stop();
  });

  it("is held by exactly one candidate, and another takes over once the holder stops renewing", async () => {
    const a = await candidate("a");
    await a.lease.start();
    const b = await candidate("b");
    await b.lease.start();
    expect(a.lease.state()).toEqual({ role: "leader", leader: "a" });
    expect(b.lease.state()).toEqual({ role: "follower", leader: "a" });

    // Several renewals later, a still leads.
    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    expect([a.lease.isLeader(), b.lease.isLeader()]).toEqual([true, false]);

    // a loses NATS as a crashed process would: it stops renewing, and gives nothing up.
    const lost = Date.now();
    let overlap = false;
    const watch = setInterval(() => {
      if (a.lease.isLeader() && b.lease.isLeader()) overlap = true;
    }, 5);
    await a.nc.close();
    await until("b to lead", () => b.lease.isLeader());
    clearInterval(watch);
    const failoverMs = Date.now() - lost;
    expect(overlap).toBe(false);
    expect(a.lease.isLeader()).toBe(false);
    expect(failoverMs).toBeLessThan(LEASE_MS + 1_000);
    expect(b.changes).toEqual([true]);
    expect(b.lease.state()).toEqual({ role: "leader", leader: "b" });
  });

  it("is taken over at once when the leader releases it", async () => {
    const a = await candidate("a");
    await a.lease.start();
    const b = await candidate("b");
    await b.lease.start();
    expect(a.lease.isLeader()).toBe(true);
    await a.lease.release();
    expect(a.lease.isLeader()).toBe(false);
    const tookMs = await until("b to lead", () => b.lease.isLeader(), LEASE_MS);
    expect(tookMs).toBeLessThan(LEASE_MS / 2);
  });
});
