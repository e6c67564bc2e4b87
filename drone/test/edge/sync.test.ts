import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@chartly/platform";
import { waitFor } from "@chartly/testkit";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DroneApi } from "../../src/edge/api.js";
import { Outbox } from "../../src/edge/outbox.js";
import { OutboxSync } from "../../src/edge/sync.js";

describe("the outbox sender", () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  const received: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chartly-sync-"));
    received.length = 0;
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        received.push(`${req.url} ${body}`);
        if (body.includes("lease-lapsed")) {
          res.writeHead(409, { "content-type": "application/problem+json" });
          res.end('{"type":"conflict","detail":"the lease lapsed and its job was delivered again"}');
          return;
        }
        res.writeHead(202, { "content-type": "application/json" });
        res.end('{"duplicate":false}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it("sets aside an entry that cannot be read back and goes on with the next", async () => {
    // An entry damaged on disk, then a whole one.
    await writeFile(join(dir, "0000000000000001.json"), '{"kind":"comp');
    const outbox = await Outbox.open(dir);
    await outbox.append({ kind: "complete", lease: "lease-whole-0000" });
    const sync = new OutboxSync(
      outbox,
      new DroneApi(baseUrl, "key"),
      createLogger("drone", "silent"),
      new Registry(),
    );
    sync.start();
    await waitFor(
      "the whole entry to be sent",
      async () => (outbox.pending === 0 ? true : undefined),
      10_000,
      50,
    );
    await sync.stop(0);
    expect(received).toEqual(['/api/v1/drone/leases/complete {"lease":"lease-whole-0000"}']);
    expect(sync.status.rejected).toBe(1);
    expect((await readdir(join(dir, "rejected"))).sort()).toEqual([
      "0000000000000001.json",
      "0000000000000001.json.reason",
    ]);
  });

  it("drops a completion whose lease lapsed and whose job went out again, without calling it refused", async () => {
    const outbox = await Outbox.open(dir);
    await outbox.append({ kind: "complete", lease: "lease-lapsed-0000" });
    await outbox.append({ kind: "complete", lease: "lease-whole-0000" });
    const metrics = new Registry();
    const sync = new OutboxSync(
      outbox,
      new DroneApi(baseUrl, "key"),
      createLogger("drone", "silent"),
      metrics,
    );
    sync.start();
    await waitFor(
      "both entries to be done",
      async () => (outbox.pending === 0 ? true : undefined),
      10_000,
      50,
    );
    await sync.stop(0);
    expect(received.map((r) => r.split(" ")[1])).toEqual([
      '{"lease":"lease-lapsed-0000"}',
      '{"lease":"lease-whole-0000"}',
    ]);
    expect(sync.status.rejected).toBe(0);
    expect(await metrics.getSingleMetricAsString("chartly_drone_outbox_failures_total")).toContain(
      'outcome="superseded"} 1',
    );
  });
});
