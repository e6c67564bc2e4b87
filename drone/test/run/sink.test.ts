import type { Job, NormalisedRecord, RecordBatch } from "@chartly/contracts";
import { describe, expect, it } from "vitest";
import { RecordSink } from "../../src/run/sink.js";

const job = { runId: "wide@20260101T000000Z", tenant: "t1", profileId: "wide" } as Job;

const record = (i: number, width: number): NormalisedRecord => ({
  key: `k${i}`,
  time: "2026-01-01T00:00:00.000Z",
  dims: { station: `s${i}`, note: "x".repeat(width) },
  measures: { v: i },
});

async function publishAll(records: NormalisedRecord[], batchSize: number, maxBatchBytes: number) {
  const published: { batch: RecordBatch; id: string; bytes: number }[] = [];
  const sink = new RecordSink(
    job,
    1,
    {},
    {
      publish: async (batch, id) => {
        published.push({ batch, id, bytes: Buffer.byteLength(JSON.stringify(batch)) });
      },
      batchSize,
      maxRecords: 1_000_000,
      maxBatchBytes,
    },
  );
  for (const r of records) {
    sink.add(r);
    if (sink.full) await sink.flush();
  }
  await sink.flush();
  return { published, count: sink.publishedCount };
}

describe("the record sink", () => {
  it("splits a batch that would be larger than the control plane takes, keeping every record in order", async () => {
    // 100 records of about 2 kB in batches of 100: about 200 kB a batch, against a 50 kB limit.
    const records = Array.from({ length: 250 }, (_, i) => record(i, 2_000));
    const { published, count } = await publishAll(records, 100, 50_000);
    expect(count).toBe(250);
    expect(published.length).toBeGreaterThan(3);
    for (const p of published) expect(p.bytes).toBeLessThanOrEqual(50_000);
    expect(published.map((p) => p.batch.batch)).toEqual(published.map((_, i) => i));
    expect(new Set(published.map((p) => p.id)).size).toBe(published.length);
    expect(published.flatMap((p) => p.batch.records.map((r) => r.key))).toEqual(records.map((r) => r.key));
  });

  it("leaves batches that fit as they are", async () => {
    const records = Array.from({ length: 2_500 }, (_, i) => record(i, 10));
    const { published } = await publishAll(records, 1_000, 900 * 1024);
    expect(published.map((p) => p.batch.records.length)).toEqual([1_000, 1_000, 500]);
  });

  it("publishes a single record larger than the limit on its own, for the control plane to refuse", async () => {
    const { published } = await publishAll([record(1, 10), record(2, 80_000), record(3, 10)], 3, 50_000);
    expect(published.map((p) => p.batch.records.map((r) => r.key))).toEqual([["k1"], ["k2"], ["k3"]]);
  });
});
