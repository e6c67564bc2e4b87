/**
 * @module Runs one job: fetch the source, pick and normalise records, publish them in batches.
 * Returns the run's outcome as a value; only programming errors throw.
 */
import type { Job, RecordBatch, RunStats } from "@chartly/contracts";
import { measureUnits, normaliseAll, selectRecords } from "./engine/index.js";
import { fetchSource, SourceError } from "./fetch.js";

export interface RunOutcome {
  status: "succeeded" | "partial" | "failed";
  stats: RunStats;
  error?: { code: string; message: string };
}

export interface RunnerDeps {
  /** Publishes one batch durably; resolves once the stream has it. */
  publish(batch: RecordBatch, messageId: string): Promise<void>;
  batchSize: number;
  signal?: AbortSignal;
}

export async function runJob(job: Job, attempt: number, deps: RunnerDeps): Promise<RunOutcome> {
  const stats: RunStats = { pages: 0, bytes: 0, recordsOut: 0, skipped: {} };
  try {
    const fetched = await fetchSource(job.spec.source, deps.signal);
    stats.pages = 1;
    stats.bytes = fetched.bytes;
    const raw = selectRecords(fetched.body, job.spec.records.path);
    const { records, skipped } = normaliseAll(raw, job.spec.records);
    stats.skipped = skipped;
    const units = measureUnits(job.spec.records);
    for (let start = 0, batch = 0; start < records.length; start += deps.batchSize, batch++) {
      const slice = records.slice(start, start + deps.batchSize);
      await deps.publish(
        { tenant: job.tenant, profileId: job.profileId, runId: job.runId, batch, units, records: slice },
        // Per attempt: a retry republishes (the store is idempotent) rather than being deduplicated
        // against an attempt whose source data may have been different.
        `${job.runId}:${attempt}:${batch}`,
      );
      stats.recordsOut += slice.length;
    }
    return { status: "succeeded", stats };
  } catch (error) {
    if (error instanceof SourceError) {
      return { status: "failed", stats, error: { code: error.code, message: error.message } };
    }
    const message = (error as Error).message ?? String(error);
    return { status: "failed", stats, error: { code: "extract_failed", message } };
  }
}
