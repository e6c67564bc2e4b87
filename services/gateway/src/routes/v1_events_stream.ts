/**
 * @module `GET /api/v1/events`: run, profile and drone changes as Server-Sent Events, read from
 * the `EVENTS` stream by an ordered consumer of the gateway's own. Each event's id is its stream
 * sequence, so a client that reconnects with `Last-Event-ID` (browsers do) resumes right after
 * the last event it saw, as long as the stream still holds it (7 days). Only the caller's
 * tenant's events are sent; drone events carry no tenant and go to every tenant, like
 * `GET /api/v1/drones`.
 */
import { STREAMS } from "@chartly/contracts";
import { AppError } from "@chartly/platform";
import { createRoute, z } from "@hono/zod-openapi";
import { type Consumer, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import { streamSSE } from "hono/streaming";
import type { App } from "../app.js";
import { type Deps, tenantOf } from "../context.js";
import { errorResponses } from "./openapi.js";

const HEARTBEAT_MS = 15_000;

const QuerySchema = z.object({
  lastEventId: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ description: "Resume after this event id, for clients that cannot send Last-Event-ID." }),
});
const HeaderSchema = z.object({
  "last-event-id": z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ description: "Resume after this event id (the stream sequence of the last event seen)." }),
});

export const route = createRoute({
  operationId: "events.stream",
  tags: ["events"],
  method: "get",
  path: "/api/v1/events",
  summary: "Stream changes (Server-Sent Events)",
  description:
    "Events `run.*`, `profile.*` and `drone.*` with `id` = stream sequence and `data` = the event as JSON; a comment every 15 s keeps idle connections open.",
  request: { query: QuerySchema, headers: HeaderSchema },
  responses: {
    200: {
      description: "An endless event stream.",
      content: { "text/event-stream": { schema: z.string() } },
    },
    ...errorResponses,
  },
});

/** The tenant an event belongs to: its `tenant` field; none for fleet-wide drone events. */
function visibleTo(tenant: string, msg: JsMsg): { type: string; data: string } | undefined {
  let event: { type?: unknown; tenant?: unknown };
  try {
    event = msg.json();
  } catch {
    return undefined;
  }
  const owner = typeof event.tenant === "string" ? event.tenant : undefined;
  const fleetWide = owner === undefined && msg.subject.startsWith("chartly.events.drone.");
  if (owner !== tenant && !fleetWide) return undefined;
  const type = typeof event.type === "string" ? event.type : (msg.subject.split(".")[2] ?? "event");
  return { type, data: msg.string() };
}

export const registerV1EventsStream = (app: App, { js, closing, logger }: Deps) =>
  app.openapi(route, async (c) => {
    const tenant = tenantOf(c);
    // A stream opened while the gateway stops would hold it open until cut: reconnect elsewhere.
    if (closing.aborted) throw new AppError("unavailable", "the gateway is stopping; connect again");
    const after = c.req.valid("header")["last-event-id"] ?? c.req.valid("query").lastEventId;
    let consumer: Consumer;
    try {
      const stream = await js().streams.get(STREAMS.events.name);
      // Without a resume point, start right after what the stream holds as the request arrives.
      const start = after !== undefined ? after + 1 : (await stream.info()).state.last_seq + 1;
      consumer = await stream.getConsumer({
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: start,
      });
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError("unavailable", "the event stream cannot be read now", undefined, { cause: error });
    }
    c.header("cache-control", "no-store");
    c.header("x-accel-buffering", "no");
    return streamSSE(c, async (stream) => {
      const messages = await consumer.consume({ max_messages: 256 });
      const stop = () => messages.stop();
      stream.onAbort(stop);
      closing.addEventListener("abort", stop, { once: true });
      if (closing.aborted) stop();
      const heartbeat = setInterval(() => void stream.write(": keep-alive\n\n").catch(stop), HEARTBEAT_MS);
      try {
        await stream.writeSSE({ event: "ready", data: "{}", retry: 2_000 });
        for await (const msg of messages) {
          const event = visibleTo(tenant, msg);
          if (event) await stream.writeSSE({ id: String(msg.seq), event: event.type, data: event.data });
        }
      } catch (error) {
        logger.warn({ err: error, requestId: c.get("requestId") }, "event stream ended");
      } finally {
        clearInterval(heartbeat);
        closing.removeEventListener("abort", stop);
        stop();
      }
    });
  });
