/**
 * @module Where normalised records go: batches of `batchSize`, each published durably (and
 * awaited, so a slow stream slows reading instead of filling memory) under a message id made of
 * run, attempt and batch number.
 */
import type { Job, NormalisedRecord, RecordBatch } from "@chartly/contracts";

export interface SinkDeps {
  publish(batch: RecordBatch, messageId: string): Promise<void>;
  batchSize: number;
  maxRecords: number;
}

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
    const { job } = this;
    await this.deps.publish(
      {
        tenant: job.tenant,
        profileId: job.profileId,
        runId: job.runId,
        batch: this.batch,
        units: this.units,
        records,
      },
      // Per attempt: a retry republishes (the store is idempotent) rather than being deduplicated
      // against an attempt whose source data may have been different.
      `${job.runId}:${this.attempt}:${this.batch}`,
    );
    this.batch++;
    this.published += records.length;
  }
}
