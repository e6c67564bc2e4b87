/**
 * Push ingest survives the gateway dying: a 202 means JetStream holds the readings, so a gateway
 * killed with SIGKILL the moment it answered loses nothing, and a client that resends (because it
 * got no answer, or to be sure) stores nothing twice. Real gateway and aggregator processes over a
 * real nats-server and Postgres.
 */
import { STREAMS } from "@chartly/contracts";
import { waitFor } from "@chartly/testkit";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { V1IngestPushResponse } from "../src/routes/v1_ingest_push.js";
import { KEYS } from "./harness.js";
import { type System, startSystem } from "./system.js";

const DEVICES = 4;
const READINGS_PER_REQUEST = 50;
const REQUESTS = 8;
const METRICS = { temp: 0, humidity: 0, pressure: 0 };
const POINTS = DEVICES * READINGS_PER_REQUEST * REQUESTS * Object.keys(METRICS).length;

/** Request `r`: 50 readings of every metric for each device, each with its own seq (plus `seqShift`). */
const payload = (r: number, seqShift = 0) =>
  Array.from({ length: READINGS_PER_REQUEST * DEVICES }, (_, i) => {
    const device = i % DEVICES;
    const seq = r * READINGS_PER_REQUEST + Math.floor(i / DEVICES);
    return {
      device_id: `esp-${device}`,
      ts: 1_733_856_000 + seq * 60,
      seq: seq + seqShift,
      metrics: { temp: 20 + seq / 10, humidity: 40 + device, pressure: 1000 + (seq % 7) },
    };
  });

describe("push ingest when the gateway is killed", () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem({ services: ["aggregator"] });
    await system.startGateway();
  }, 120_000);
  afterAll(() => system?.close(), 60_000);

  const push = async (r: number, seqShift = 0) => {
    const response = await fetch(`${system.url}/api/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEYS.ingest}`, "content-type": "application/json" },
      body: JSON.stringify(payload(r, seqShift)),
    });
    return { status: response.status, body: (await response.json()) as V1IngestPushResponse };
  };

  const stored = async () => {
    const [row] = await system.sql<{ points: number; series: number; revised: number }[]>`
      select count(*)::int as points, count(distinct o.series_id)::int as series,
             count(*) filter (where o.revisions > 0)::int as revised
      from observations o join series s on s.id = o.series_id
      where s.tenant_id = 'acme' and s.profile_id = 'ingest'`;
    return row ?? { points: 0, series: 0, revised: 0 };
  };

  /** Waits until the aggregator has committed and acknowledged everything in RECORDS. */
  const drained = async () => {
    const nc = await connect({ servers: system.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const { state } = await jsm.streams.info(STREAMS.records.name);
      await waitFor(
        "the aggregator to acknowledge every batch",
        async () => {
          const info = await jsm.consumers.info(STREAMS.records.name, "aggregator-records");
          return info.ack_floor.stream_seq >= state.last_seq && info.num_ack_pending === 0 ? true : undefined;
        },
        60_000,
      );
    } finally {
      await nc.close();
    }
  };

  it("stores every reading answered 202 before the kill, and a resend after restart stores nothing twice", async () => {
    const gateway = system.processes.get("gateway");
    if (!gateway) throw new Error("no gateway");
    // Every request at once; the gateway dies as soon as the first is answered.
    const outcomes = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, r) => {
        try {
          const answer = await push(r);
          if (answer.status === 202) gateway.child.kill("SIGKILL");
          return { r, ...answer };
        } catch {
          return { r, status: 0, body: undefined };
        }
      }),
    );
    await gateway.exited;
    const answered = outcomes.filter((o) => o.status === 202);
    expect(answered.length, JSON.stringify(outcomes)).toBeGreaterThanOrEqual(1);
    expect(outcomes.every((o) => o.status === 202 || o.status === 0)).toBe(true);
    expect(gateway.child.signalCode).toBe("SIGKILL");

    // What was answered 202 is stored although the gateway is gone.
    const acceptedPoints = answered.length * READINGS_PER_REQUEST * DEVICES * Object.keys(METRICS).length;
    await waitFor(
      "the acknowledged readings in Postgres",
      async () => ((await stored()).points >= acceptedPoints ? true : undefined),
      60_000,
    );

    // The client resends everything (what got no answer, and what did, to be sure).
    await system.startGateway();
    const resent = await Promise.all(Array.from({ length: REQUESTS }, (_, r) => push(r)));
    expect(resent.map((o) => o.status)).toEqual(Array(REQUESTS).fill(202));
    for (const r of answered.map((o) => o.r)) {
      expect(resent[r]?.body).toEqual({ accepted: 0, duplicates: READINGS_PER_REQUEST * DEVICES });
    }
    const total = resent.reduce((n, o) => n + o.body.accepted + o.body.duplicates, 0);
    expect(total).toBe(REQUESTS * READINGS_PER_REQUEST * DEVICES);

    await drained();
    expect(await stored()).toEqual({ points: POINTS, series: DEVICES * 3, revised: 0 });
  }, 180_000);

  it("stores nothing twice when a repeat is past the stream's duplicate window", async () => {
    // New sequence numbers for the same times and values: JetStream cannot recognise them (as
    // after its 15-minute window), so the store's natural key (series, time) must.
    const again = await push(0, 1_000_000);
    expect(again).toEqual({ status: 202, body: { accepted: READINGS_PER_REQUEST * DEVICES, duplicates: 0 } });
    await drained();
    expect(await stored()).toEqual({ points: POINTS, series: DEVICES * 3, revised: 0 });
  });

  it("over real HTTP: echoes the request id, times the answer, and answers concurrent reads each their own", async () => {
    const reader = { authorization: `Bearer ${KEYS.reader}` };
    const page = (await (
      await fetch(`${system.url}/api/v1/series?limit=100`, { headers: reader })
    ).json()) as {
      items: { id: number; dims: Record<string, string>; measure: string }[];
    };
    expect(page.items).toHaveLength(DEVICES * 3);

    // Concurrent reads travel to the aggregator together; each gets its own series, an id of
    // another tenant or none at all gets its own 404, and the request ids stay apart.
    const ids = [...page.items.map((s) => s.id), 987_654, ...page.items.map((s) => s.id)];
    const answers = await Promise.all(
      ids.map(async (id, i) => {
        const response = await fetch(`${system.url}/api/v1/series/${id}`, {
          headers: { ...reader, "x-request-id": `read-${i}` },
        });
        return {
          status: response.status,
          requestId: response.headers.get("x-request-id"),
          timing: response.headers.get("server-timing"),
          body: (await response.json()) as { id?: number; frequency?: string; requestId?: string },
        };
      }),
    );
    answers.forEach((answer, i) => {
      expect(answer.requestId).toBe(`read-${i}`);
      expect(answer.timing).toMatch(/^total;dur=\d+(\.\d)?$/);
      if (ids[i] === 987_654) {
        expect(answer.status).toBe(404);
        expect(answer.body.requestId).toBe(`read-${i}`);
      } else {
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({ id: ids[i], frequency: "1m" });
      }
    });
    const globex = await fetch(`${system.url}/api/v1/series/${ids[0]}`, {
      headers: { authorization: `Bearer ${KEYS.globexReader}` },
    });
    expect(globex.status).toBe(404);

    // Each answer is counted under its route as declared and its status.
    const metrics = await (await fetch(`${system.url}/metrics`)).text();
    const count = (route: string, status: number) => {
      const line = metrics
        .split("\n")
        .find(
          (l) =>
            l.startsWith("chartly_http_request_duration_seconds_count{") &&
            l.includes('method="GET"') &&
            l.includes(`route="${route}"`) &&
            l.includes(`status="${status}"`),
        );
      return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
    };
    expect(count("/api/v1/series/:id", 200)).toBe(ids.length - 1);
    expect(count("/api/v1/series/:id", 404)).toBe(2);
    expect(count("/api/v1/series", 200)).toBeGreaterThanOrEqual(1);

    // The audit log has the pushes, with the client's address.
    const [audited] = await system.sql<{ ip: string | null }[]>`
      select ip from audit_log where action = 'ingest.push' order by at desc limit 1`;
    expect(audited?.ip).toBe("127.0.0.1");
  });
});
