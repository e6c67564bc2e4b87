/**
 * @module Sends an edge drone's outbox to the gateway, oldest entry first, one at a time, and
 * removes each entry only once the gateway has stored it. While the gateway is unreachable it
 * waits and tries again (the wait doubles up to a cap); an entry the gateway refuses for good
 * (a lease that does not verify, a batch that does not validate) is set aside so it does not
 * block the rest. Every entry is idempotent, so one sent twice after a crash changes nothing.
 */
import type { Logger } from "@chartly/platform";
import { Counter, Gauge, type Registry } from "prom-client";
import { type DroneApi, DroneApiError } from "./api.js";
import { type Outbox, type OutboxEntry, UnreadableEntryError } from "./outbox.js";

export interface SyncState {
  pending: number;
  lastSyncAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  rejected: number;
}

const RETRY_MS = { first: 500, max: 10_000 };

export class OutboxSync {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly state: Omit<SyncState, "pending"> = {
    lastSyncAt: null,
    lastError: null,
    lastErrorAt: null,
    rejected: 0,
  };
  private readonly sent: Counter;
  private readonly failures: Counter;

  constructor(
    private readonly outbox: Outbox,
    private readonly api: DroneApi,
    private readonly logger: Logger,
    metrics: Registry,
  ) {
    const self = this;
    new Gauge({
      name: "chartly_drone_outbox_pending",
      help: "Outbox entries (record batches, run events, completions) not yet taken by the control plane.",
      registers: [metrics],
      collect() {
        this.set(self.outbox.pending);
      },
    });
    new Gauge({
      name: "chartly_drone_outbox_last_sync_seconds",
      help: "Unix time of the last entry the control plane took (0: none yet).",
      registers: [metrics],
      collect() {
        this.set(self.state.lastSyncAt ? Date.parse(self.state.lastSyncAt) / 1000 : 0);
      },
    });
    this.sent = new Counter({
      name: "chartly_drone_outbox_sent_total",
      help: "Outbox entries the control plane took, by kind.",
      labelNames: ["kind"],
      registers: [metrics],
    });
    this.failures = new Counter({
      name: "chartly_drone_outbox_failures_total",
      help: "Failed attempts to send an outbox entry, by outcome (retried, rejected, or superseded: a completion whose job was delivered again).",
      labelNames: ["outcome"],
      registers: [metrics],
    });
  }

  get status(): SyncState {
    return { pending: this.outbox.pending, ...this.state };
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Something was appended: send it now. */
  kick(): void {
    this.wake?.();
  }

  /** Tries to send what is left for up to `graceMs`, then stops; the rest stays on disk. */
  async stop(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.outbox.pending > 0 && Date.now() < deadline && this.state.lastErrorAt === null) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let retryMs = RETRY_MS.first;
    while (this.running) {
      let next: Awaited<ReturnType<Outbox["oldest"]>>;
      try {
        next = await this.outbox.oldest();
        if (!next) {
          await this.sleep(60_000);
          continue;
        }
        await this.send(next.entry);
        await this.outbox.remove(next.seq);
        this.sent.inc({ kind: next.entry.kind });
        this.state.lastSyncAt = new Date().toISOString();
        this.state.lastError = null;
        this.state.lastErrorAt = null;
        retryMs = RETRY_MS.first;
      } catch (error) {
        const message = (error as Error).message;
        if (next?.entry.kind === "complete" && error instanceof DroneApiError && error.status === 409) {
          // The lease lapsed and the job went out again (or its queue is gone): the newer
          // delivery decides the run, and there is nothing left for this one to complete.
          const dropped = await this.outbox.remove(next.seq).then(
            () => true,
            () => false,
          );
          if (dropped) {
            this.failures.inc({ outcome: "superseded" });
            this.logger.info({ err: error, seq: next.seq }, "a completion was superseded; dropped");
            continue;
          }
        }
        const refused = error instanceof DroneApiError && !error.retryable && next !== undefined;
        if (refused || error instanceof UnreadableEntryError) {
          const seq = error instanceof UnreadableEntryError ? error.seq : (next?.seq as number);
          // Set aside, so one entry cannot stop the rest (nor, thrown, the drone).
          const setAside = await this.outbox.reject(seq, message).then(
            () => true,
            (cause: unknown) => {
              this.logger.error({ err: cause, seq }, "an outbox entry could not be set aside");
              return false;
            },
          );
          if (setAside) {
            this.failures.inc({ outcome: "rejected" });
            this.state.rejected++;
            this.logger.error(
              { err: error, seq, kind: next?.entry.kind },
              "an outbox entry was refused or unreadable; it is set aside in the outbox's rejected/ folder",
            );
            continue;
          }
        }
        this.failures.inc({ outcome: "retried" });
        if (this.state.lastError === null)
          this.logger.warn({ err: error }, "the control plane is unreachable; keeping batches in the outbox");
        this.state.lastError = message;
        this.state.lastErrorAt = new Date().toISOString();
        await this.sleep(retryMs);
        retryMs = Math.min(RETRY_MS.max, retryMs * 2);
      }
    }
  }

  private async send(entry: OutboxEntry): Promise<void> {
    switch (entry.kind) {
      case "batch":
        await this.api.call("POST", "/batches", { lease: entry.lease, batch: entry.batch });
        return;
      case "event":
        await this.api.call("POST", "/events", { lease: entry.lease, event: entry.event });
        return;
      case "complete":
        await this.api.call("POST", "/leases/complete", { lease: entry.lease });
        return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
