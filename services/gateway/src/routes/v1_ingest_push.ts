/**
 * @module `POST /api/v1/ingest`: devices that send readings instead of being polled. Each reading
 * becomes a record of the pseudo-profile `ingest` (dimension `device`, one measure per metric,
 * so each metric of each device is a series) published to `RECORDS`, and the answer is `202` only
 * once JetStream has stored every one. The message id is the tenant, device and `seq`, so a
 * retried POST is stored once; past the stream's 15-minute duplicate window the store's natural
 * key (series, time) still makes a repeat harmless.
 */
import { type RecordBatch, recordsSubject } from "@chartly/contracts";
import { AppError } from "@chartly/platform";
import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../app.js";
import { type Deps, tenantOf } from "../context.js";
import { errorResponses, json } from "./openapi.js";

export const INGEST_PROFILE = "ingest";

const ReadingSchema = z
  .object({
    device_id: z
      .string()
      .regex(/^[A-Za-z0-9][\w.:-]{0,127}$/, "must be 1-128 letters, digits, _ . : or -")
      .openapi({ example: "esp-001" }),
    ts: z
      .union([z.number().positive(), z.iso.datetime({ offset: true })])
      .openapi({ description: "Unix seconds, or an ISO 8601 time.", example: 1733856000 }),
    seq: z
      .number()
      .int()
      .min(0)
      .openapi({ description: "The device's sequence number: a repeat is ignored." }),
    metrics: z
      .record(
        z.string().regex(/^[A-Za-z][\w.-]{0,63}$/, "metric names are 1-64 letters, digits, _ . or -"),
        z.number().nullable(),
      )
      .refine((m) => Object.keys(m).length > 0 && Object.keys(m).length <= 256, "give 1 to 256 metrics")
      .openapi({ example: { temp: 30.5, humidity: 40.2 } }),
  })
  .strict()
  .openapi("Reading");
const BodySchema = z.union([ReadingSchema, z.array(ReadingSchema).min(1).max(1_000)]);
const ResponseSchema = z.object({
  accepted: z.number().int().openapi({ description: "Readings stored by this request." }),
  duplicates: z.number().int().openapi({ description: "Readings already stored by an earlier request." }),
});
export type V1IngestPushResponse = z.infer<typeof ResponseSchema>;

export const route = createRoute({
  operationId: "ingest.push",
  tags: ["ingest"],
  method: "post",
  path: "/api/v1/ingest",
  summary: "Push readings",
  request: { body: { required: true, content: { "application/json": { schema: BodySchema } } } },
  responses: { 202: json(ResponseSchema, "Every reading is durably queued for storage."), ...errorResponses },
});

const timeOf = (ts: number | string): string => {
  const date = typeof ts === "number" ? new Date(ts * 1000) : new Date(ts);
  if (Number.isNaN(date.getTime())) throw AppError.invalid("ts is not a valid time");
  return date.toISOString();
};

export const registerV1IngestPush = (app: App, { js }: Deps) =>
  app.openapi(route, async (c) => {
    const tenant = tenantOf(c);
    const body = c.req.valid("json");
    const readings = Array.isArray(body) ? body : [body];
    const client = js();
    const acks = await Promise.all(
      readings.map((reading) => {
        const batch: RecordBatch = {
          tenant,
          profileId: INGEST_PROFILE,
          runId: `ingest:${reading.device_id}`,
          batch: reading.seq,
          units: {},
          records: [
            {
              key: `${reading.device_id}:${reading.seq}`,
              time: timeOf(reading.ts),
              dims: { device: reading.device_id },
              measures: reading.metrics,
            },
          ],
        };
        return client
          .publish(recordsSubject(tenant, INGEST_PROFILE), JSON.stringify(batch), {
            msgID: `ingest:${tenant}:${reading.device_id}:${reading.seq}`,
          })
          .catch((error: unknown) => {
            throw new AppError(
              "unavailable",
              "the readings could not be stored; send them again",
              undefined,
              {
                cause: error,
              },
            );
          });
      }),
    );
    const duplicates = acks.filter((ack) => ack.duplicate).length;
    return c.json({ accepted: acks.length - duplicates, duplicates }, 202);
  });
