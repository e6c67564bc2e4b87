/**
 * @module Where normalised records go: batches of `batchSize` (split further when a batch would
 * be larger than the control plane accepts), each published durably (and awaited, so a slow
 * stream slows reading instead of filling memory) under a message id made of run, attempt and
 * batch number.
 */
import type { Job, NormalisedRecord, RecordBatch } from "@chartly/contracts";

export interface SinkDeps {
  publish(batch: RecordBatch, messageId: string): Promise<void>;
  batchSize: number;
  maxRecords: number;
  /** Largest serialised batch the control plane takes (NATS's and the gateway's 1 MiB by default). */
  maxBatchBytes?: number;
}

/** Below NATS's default max_payload and the gateway's default MAX_REQUEST_SIZE (1 MiB each). */
export const MAX_BATCH_BYTES = 900 * 1024;

export class RecordSink {
  private pending: NormalisedRecord[] = [];
  private batch = 0;
  private published = 0;

  constructor(
    private readonly job: Job,
    private readonly attempt: number,
    private readonly units: Record<string, string>,
    private readonly deps: SinkDeps,
  ) {}

  /** Records published so far. */
  get publishedCount(): number {
    return this.published;
  }

  /** Records accepted so far, published or pending. */
  get count(): number {
    return this.published + this.pending.length;
  }

  /**
   * Adds a record; false (and the record is dropped) once `maxRecords` were accepted. Synchronous,
   * so the hot loop awaits only when `full` says a batch is ready to publish.
   */
  add(record: NormalisedRecord): boolean {
    if (this.count >= this.deps.maxRecords) return false;
    this.pending.push(record);
    return true;
  }

  /** A whole batch is pending: publish it (`flush`) before adding more. */
  get full(): boolean {
    return this.pending.length >= this.deps.batchSize;
  }

  /** Publishes the pending records. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    await this.publishRecords(records);
  }

  /** Bytes per record as last measured; a batch is measured only when it may be too large. */
  private bytesPerRecord = 0;

  /**
   * Publishes records as one batch, or, when their batch would be larger than the control plane
   * takes (wide records, large batch sizes), as two halves, each under its own batch number.
   */
  private async publishRecords(records: NormalisedRecord[]): Promise<void> {
    const { job } = this;
    const batch: RecordBatch = {
      tenant: job.tenant,
      profileId: job.profileId,
      runId: job.runId,
      batch: this.batch,
      units: this.units,
      records,
    };
    const maxBytes = this.deps.maxBatchBytes ?? MAX_BATCH_BYTES;
    if (this.bytesPerRecord === 0 || this.bytesPerRecord * records.length > maxBytes / 2) {
      const bytes = Buffer.byteLength(JSON.stringify(batch));
      this.bytesPerRecord = bytes / records.length;
      if (bytes > maxBytes && records.length > 1) {
        const half = Math.ceil(records.length / 2);
        await this.publishRecords(records.slice(0, half));
        await this.publishRecords(records.slice(half));
        return;
      }
    }
    // Per attempt: a retry republishes (the store is idempotent) rather than being deduplicated
    // against an attempt whose source data may have been different.
    await this.deps.publish(batch, `${job.runId}:${this.attempt}:${this.batch}`);
    this.batch++;
    this.published += records.length;
  }
}
