import { mkdtemp, rm } from "node:fs/promises";
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
import { HttpControlPlane, LeaseSupersededError } from "../../src/transport/http.js";
import { jobFor } from "../helpers.js";

/** The gateway's drone API as far as leases go: renewals answered with `renewStatus`. */
describe("an edge drone's lease", () => {
  let dir: string;
  let server: Server;
  let plane: HttpControlPlane;
  let renewStatus = 204;
  const renewals: string[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chartly-lease-"));
    renewals.length = 0;
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        if (req.url === "/api/v1/drone/leases") {
          res.writeHead(200, { "content-type": "application/json" });
          const job = jobFor({ url: "https://example.org/data" });
          res.end(
            JSON.stringify({
              lease: "token-0123456789abcdef0123456789abcdef",
              job,
              deliveryCount: 1,
              leaseMs: 3_000,
            }),
          );
          return;
        }
        if (req.url === "/api/v1/drone/leases/renew") {
          renewals.push(body);
          if (renewStatus === 204) {
            res.writeHead(204).end();
            return;
          }
          res.writeHead(renewStatus, { "content-type": "application/problem+json" });
          res.end(
            '{"type":"about:blank","code":"conflict","detail":"the lease lapsed and its job was delivered again"}',
          );
          return;
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const api = new DroneApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, "key");
    const outbox = await Outbox.open(dir);
    const logger = createLogger("drone", "silent");
    plane = new HttpControlPlane(api, outbox, new OutboxSync(outbox, api, logger, new Registry()), logger, {
      id: "edge-1",
      pool: "default",
      leaseMs: 3_000,
    });
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it("is lost once a renewal is refused with 409 (the job went out again), and not before", async () => {
    const lease = await plane.lease(1_000);
    if (!lease) throw new Error("no lease was granted");
    lease.renew();
    await waitFor("the first renewal", async () => (renewals.length === 1 ? true : undefined), 5_000, 10);
    // A renewal that reached nobody, or a gateway that is unwell, loses nothing.
    renewStatus = 503;
    lease.renew();
    await waitFor("the second renewal", async () => (renewals.length === 2 ? true : undefined), 5_000, 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lease.lost.aborted).toBe(false);

    renewStatus = 409;
    lease.renew();
    await waitFor("the lease to be lost", async () => (lease.lost.aborted ? true : undefined), 5_000, 10);
    expect(lease.lost.reason).toBeInstanceOf(LeaseSupersededError);
    expect(renewals.at(-1)).toBe('{"lease":"token-0123456789abcdef0123456789abcdef"}');
  });
});
