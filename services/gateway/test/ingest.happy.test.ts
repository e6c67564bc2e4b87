import { STREAMS } from "@chartly/contracts";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import type { V1IngestPushResponse } from "../src/routes/v1_ingest_push.js";
import { as, KEYS, startWorld, type World } from "./harness.js";

describe("push ingest", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
  });
  afterAll(() => world.close());

  const stored = async () => {
    const jsm = await jetstreamManager(world.nc);
    const info = await jsm.streams.info(STREAMS.records.name);
    const batches = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(STREAMS.records.name, { seq });
      if (msg) batches.push({ subject: msg.subject, batch: msg.json<Record<string, unknown>>() });
    }
    return batches;
  };
  const push = async (body: unknown, key: string = KEYS.ingest) => {
    const response = await app.request("/api/v1/ingest", as(key, { body }));
    return {
      status: response.status,
      body: (await response.json()) as V1IngestPushResponse & { code?: string },
    };
  };

  it("stores a reading in RECORDS before answering 202, each metric a measure of the device", async () => {
    const reading = {
      device_id: "esp-001",
      ts: 1733856000,
      seq: 42,
      metrics: { temp: 30.5, humidity: 40.2 },
    };
    expect(await push(reading)).toEqual({ status: 202, body: { accepted: 1, duplicates: 0 } });
    const [first] = await stored();
    expect(first?.subject).toBe("chartly.records.acme.ingest");
    expect(first?.batch).toEqual({
      tenant: "acme",
      profileId: "ingest",
      runId: "ingest:esp-001",
      batch: 42,
      units: {},
      records: [
        {
          key: "esp-001:42",
          time: "2024-12-10T18:40:00.000Z",
          dims: { device: "esp-001" },
          measures: { temp: 30.5, humidity: 40.2 },
        },
      ],
    });
  });

  it("stores a retried POST once", async () => {
    const readings = [
      { device_id: "esp-002", ts: 1733856000, seq: 1, metrics: { temp: 20 } },
      { device_id: "esp-002", ts: "2024-12-10T18:41:00Z", seq: 2, metrics: { temp: 21 } },
    ];
    const before = (await stored()).length;
    expect((await push(readings)).body).toEqual({ accepted: 2, duplicates: 0 });
    expect((await push(readings)).body).toEqual({ accepted: 0, duplicates: 2 });
    expect((await push([...readings, { ...readings[0], seq: 3 }])).body).toEqual({
      accepted: 1,
      duplicates: 2,
    });
    expect((await stored()).length).toBe(before + 3);
  });

  it("keeps each tenant's readings under its own subject", async () => {
    await push({ device_id: "esp-009", ts: 1733856000, seq: 1, metrics: { temp: 1 } }, KEYS.admin);
    const reading = { device_id: "esp-009", ts: 1733856000, seq: 1, metrics: { temp: 2 } };
    const response = await app.request(
      "/api/v1/ingest",
      as(KEYS.multiAdmin, { tenant: "globex", body: reading }),
    );
    expect(response.status).toBe(202);
    const subjects = (await stored()).filter(
      (b) => (b.batch.records as { key: string }[])[0]?.key === "esp-009:1",
    );
    expect(subjects.map((s) => s.subject).sort()).toEqual([
      "chartly.records.acme.ingest",
      "chartly.records.globex.ingest",
    ]);
  });

  it("refuses invalid readings, pointing at the field", async () => {
    const { status, body } = await push({ device_id: "esp 1", ts: 1733856000, seq: -1, metrics: {} });
    expect(status).toBe(400);
    expect(
      (body as unknown as { errors: { pointer: string }[] }).errors.map((e) => e.pointer).sort(),
    ).toEqual(["/device_id", "/metrics", "/seq"]);
  });

  it("is for ingest credentials (and admins) only", async () => {
    const reading = { device_id: "esp-003", ts: 1733856000, seq: 1, metrics: { temp: 1 } };
    for (const key of [KEYS.reader, KEYS.editor, KEYS.operator, KEYS.drone])
      expect((await push(reading, key)).status).toBe(403);
  });
});
