import { eventSubject } from "@chartly/contracts";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { as, KEYS, startWorld, type World } from "./harness.js";

interface Sse {
  id?: string;
  event?: string;
  data?: string;
}

/** Reads server-sent events until `until` says stop (or the time runs out), then hangs up. */
async function readEvents(response: Response, until: (events: Sse[]) => boolean, timeoutMs = 5_000) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: Sse[] = [];
  let buffer = "";
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!until(events)) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: Sse = {};
        for (const line of block.split("\n")) {
          const [field, ...rest] = line.split(":");
          const value = rest.join(":").replace(/^ /, "");
          if (field === "id" || field === "event" || field === "data") event[field] = value;
        }
        if (event.event || event.data) events.push(event);
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => {});
  }
  return events;
}

describe("the event stream", () => {
  let world: World;
  let app: App;
  let js: JetStreamClient;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app();
    js = jetstream(world.nc);
  });
  afterAll(() => world.close());

  const publish = (kind: "run" | "profile" | "drone", id: string, event: object) =>
    js.publish(eventSubject(kind, id), JSON.stringify(event));

  it("sends the caller's tenant's events and fleet events, each with its stream sequence as id", async () => {
    const response = await app.request("/api/v1/events", as(KEYS.reader));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    await publish("run", "r1", { type: "run.started", tenant: "acme", runId: "r1" });
    await publish("run", "r2", { type: "run.started", tenant: "globex", runId: "r2" });
    await publish("profile", "gdp", { type: "profile.changed", tenant: "acme", id: "gdp" });
    await publish("drone", "d1", { type: "drone.drained", id: "d1" });
    const events = await readEvents(response, (seen) => seen.length >= 4);
    expect(events.map((e) => e.event)).toEqual(["ready", "run.started", "profile.changed", "drone.drained"]);
    expect(events.slice(1).map((e) => JSON.parse(e.data ?? "{}"))).toEqual([
      { type: "run.started", tenant: "acme", runId: "r1" },
      { type: "profile.changed", tenant: "acme", id: "gdp" },
      { type: "drone.drained", id: "d1" },
    ]);
    const ids = events.slice(1).map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[1]).toBe((ids[0] as number) + 2); // globex's event in between was skipped
  });

  it("resumes after Last-Event-ID without repeating what the client saw", async () => {
    const first = await app.request("/api/v1/events", as(KEYS.globexReader));
    await publish("run", "g1", { type: "run.started", tenant: "globex", runId: "g1" });
    await publish("run", "g1", { type: "run.finished", tenant: "globex", runId: "g1" });
    const seen = await readEvents(first, (events) => events.length >= 2);
    const lastId = seen.at(-1)?.id as string;
    expect(seen.at(-1)?.event).toBe("run.started");
    // Disconnected: a finished event went by.
    const resumed = await app.request("/api/v1/events", {
      headers: { authorization: `Bearer ${KEYS.globexReader}`, "last-event-id": lastId },
    });
    const again = await readEvents(resumed, (events) => events.length >= 2);
    expect(again.slice(1).map((e) => JSON.parse(e.data ?? "{}"))).toEqual([
      { type: "run.finished", tenant: "globex", runId: "g1" },
    ]);
    expect(Number(again[1]?.id)).toBe(Number(lastId) + 1);
  });

  it("ends open streams when the gateway stops, and opens none while it stops", async () => {
    const stopping = new AbortController();
    const stoppable = await world.app({}, stopping.signal);
    const open = await stoppable.request("/api/v1/events", as(KEYS.reader));
    expect(open.status).toBe(200);
    const reading = readEvents(open, () => false, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    stopping.abort();
    const events = await reading;
    expect(events.map((e) => e.event)).toEqual(["ready"]);
    expect(Date.now() - started).toBeLessThan(5_000);

    const late = await stoppable.request("/api/v1/events", as(KEYS.reader));
    expect(late.status).toBe(503);
    expect(late.headers.get("content-type")).toContain("application/problem+json");
  });

  it("is refused to ingest-only credentials and without a credential", async () => {
    expect((await app.request("/api/v1/events", as(KEYS.ingest))).status).toBe(403);
    expect((await app.request("/api/v1/events")).status).toBe(401);
  });
});
