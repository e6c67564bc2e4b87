import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@chartly/platform";
import { type HttpSource, startHttpSource, waitFor } from "@chartly/testkit";
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
  let gateway: HttpSource;
  let plane: HttpControlPlane;
  let renewStatus = 204;
  const renewals = () =>
    gateway.requests.filter((r) => r.parsed.pathname === "/api/v1/drone/leases/renew").map((r) => r.body);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chartly-lease-"));
    gateway = await startHttpSource({
      "/api/v1/drone/leases": {
        body: {
          lease: "token-0123456789abcdef0123456789abcdef",
          job: jobFor({ url: "https://example.org/data" }),
          deliveryCount: 1,
          leaseMs: 3_000,
        },
      },
      "/api/v1/drone/leases/renew": {
        respond: () =>
          renewStatus === 204
            ? { status: 204, body: "" }
            : {
                status: renewStatus,
                headers: { "content-type": "application/problem+json" },
                body: '{"type":"about:blank","code":"conflict","detail":"the lease lapsed and its job was delivered again"}',
              },
      },
    });
    const api = new DroneApi(gateway.url, "key");
    const outbox = await Outbox.open(dir);
    const logger = createLogger("drone", "silent");
    plane = new HttpControlPlane(api, outbox, new OutboxSync(outbox, api, logger, new Registry()), logger, {
      id: "edge-1",
      pool: "default",
      leaseMs: 3_000,
    });
  });
  afterEach(async () => {
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is lost once a renewal is refused with 409 (the job went out again), and not before", async () => {
    const lease = await plane.lease(1_000);
    if (!lease) throw new Error("no lease was granted");
    lease.renew();
    await waitFor("the first renewal", async () => (renewals().length === 1 ? true : undefined), 5_000, 10);
    // A renewal that reached nobody, or a gateway that is unwell, loses nothing.
    renewStatus = 503;
    lease.renew();
    await waitFor("the second renewal", async () => (renewals().length === 2 ? true : undefined), 5_000, 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lease.lost.aborted).toBe(false);

    renewStatus = 409;
    lease.renew();
    await waitFor("the lease to be lost", async () => (lease.lost.aborted ? true : undefined), 5_000, 10);
    expect(lease.lost.reason).toBeInstanceOf(LeaseSupersededError);
    expect(renewals().at(-1)).toBe('{"lease":"token-0123456789abcdef0123456789abcdef"}');
  });
});
